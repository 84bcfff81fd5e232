"""Several sessions in one go in a browser: a client books three sessions of a package at once
(1280 px, JavaScript on), and a weekly series with one week taken, taking the alternative offered
(390 px, JavaScript off: the chosen times travel in the links and the form)."""
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from orders.credits import ledger_adjust
from scheduling.models import Booking
from scheduling.selectors import parse_slot_start
from scheduling.services import booking_create
from tests.e2e.data import make_shop, place_paid_order
from tests.e2e.helpers import PHONE, axe_at_both_widths, check_page, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "jp-session-sets"


def _chosen_starts(page) -> list[str]:
    picks = parse_qs(urlparse(page.url).query).get("picks", [""])[0]
    return [part.partition("@")[2] for part in picks.split(",") if part]


def _pick_another_time(page) -> None:
    """Click a time of the day shown that is not chosen yet (every time link carries the picks, so
    the shared pick_time helper cannot tell them apart)."""
    chosen = set(_chosen_starts(page))
    for slot in page.locator(".slots a.slot").all():
        start = parse_qs(urlparse(slot.get_attribute("href")).query)["start"][0]
        if start not in chosen:
            slot.click()
            page.wait_for_load_state("load")
            return
    raise AssertionError(f"No other free time on {page.url}")


def test_a_client_books_three_sessions_of_a_package_in_one_go(page, server):
    shop = make_shop()
    order = place_paid_order(shop.package)
    page.goto(f"{server}/orders/{order.token}/")
    page.get_by_role("link", name="Book several sessions").click()
    check_page(page, J, "empty", h1="Book several sessions")

    pick_time(page)
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (1)")
    _pick_another_time(page)
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (2)")
    page.get_by_role("link", name=re.compile("Group workshop")).click()
    # Another day than the coaching sessions (the picker swaps the day in without a reload).
    other_day = page.locator("a.day-free:not([aria-current])").nth(1)
    day_iso = other_day.get_attribute("data-picker-day")
    other_day.click()
    expect(page.locator(".picker[data-picker-date]")).to_have_attribute("data-picker-date", day_iso)
    pick_time(page)
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (3)")
    check_page(page, J, "three-chosen")
    axe_at_both_widths(page, "three sessions chosen")

    page.get_by_role("button", name="Book 3 sessions").click()
    expect(page.get_by_role("heading", name="3 sessions booked")).to_be_visible()
    expect(page.get_by_role("link", name="Add all 3 to your calendar (.ics)")).to_be_visible()
    check_page(page, J, "three-booked")
    assert Booking.objects.filter(order_item__order=order).count() == 3


def test_a_weekly_series_with_one_week_taken_offers_an_alternative_without_javascript(browser, server):
    shop = make_shop()
    order = place_paid_order(shop.package)
    coaching = order.items.get(meeting_type_name="Coaching session")
    ledger_adjust(item=coaching, change=2, note="Four sessions", by_user=None)
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London",
                                  java_script_enabled=False)
    page = context.new_page()
    page.server_errors, page.script_errors = [], []
    page.on("response", lambda r: r.status >= 500 and page.server_errors.append(f"{r.status} {r.url}"))
    try:
        page.goto(f"{server}/orders/{order.token}/sessions/?tz=Europe/London")
        pick_time(page)
        first = parse_slot_start(_chosen_starts(page)[0])
        booking_create(meeting_type=shop.coaching, start=first + timedelta(weeks=2), client_name="Rival",
                       client_email="rival@example.com")
        page.get_by_label("For how many weeks").fill("4")
        page.get_by_role("button", name="Show the weeks").click()
        expect(page.get_by_text("1 week of the series is not free")).to_be_visible()
        expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (3)")
        check_page(page, J, "weekly-one-taken")
        page.get_by_role("link", name=re.compile(r"^take .* instead$")).click()
        expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (4)")
        page.get_by_role("button", name="Book 4 sessions").click()
        expect(page.get_by_role("heading", name="4 sessions booked")).to_be_visible()
        starts = sorted(Booking.objects.filter(order_item=coaching).values_list("start", flat=True))
        assert len(starts) == 4 and first + timedelta(weeks=2) not in starts
        assert [first, first + timedelta(weeks=1), first + timedelta(weeks=3)] == [s for s in starts
                                                                                    if (s - first).seconds == 0]
        assert page.server_errors == []
    finally:
        context.close()
