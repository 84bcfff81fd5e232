"""Several sessions in one go in a browser, in two time zones at 1280 and 390 px: a client books
three sessions of a package at once (JavaScript on; a time chosen is shown as chosen, not
offered again), and a weekly series with one week taken, taking the alternative offered (with
JavaScript, and without it: the chosen times then travel in the links and the form)."""
import re
from datetime import UTC, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from orders.credits import ledger_adjust
from scheduling.models import Booking
from scheduling.selectors import parse_slot_start
from scheduling.services import booking_create
from tests.e2e.data import make_shop, place_paid_order
from tests.e2e.helpers import LAPTOP, PHONE, VISITORS, axe_at_both_widths, check_page, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "jp-session-sets"


def _chosen_starts(page) -> list[str]:
    picks = parse_qs(urlparse(page.url).query).get("picks", [""])[0]
    return [part.partition("@")[2] for part in picks.split(",") if part]


def _show_another_free_day(page, nth: int = 0) -> None:
    """Show the `nth` free day of the month shown other than the current one (swapped in without a
    reload), or the first free day of the next month when the month shown has no other."""
    others = page.locator("a.day-free:not([aria-current])")
    if others.count() <= nth:  # late on a month's last day: the other free days are next month
        month = page.locator(".month-label").inner_text()
        page.locator('a[data-picker-nav="next"]').click()
        expect(page.locator(".month-label")).not_to_have_text(month)
        nth = 0
    day = page.locator("a.day-free:not([aria-current])").nth(nth)
    day_iso = day.get_attribute("data-picker-day")
    day.click()
    expect(page.locator(".picker[data-picker-date]")).to_have_attribute("data-picker-date", day_iso)


@pytest.mark.parametrize(("visitor", "viewport"), [("berlin", LAPTOP), ("los-angeles", PHONE)],
                         ids=["berlin-1280", "los-angeles-390"])
def test_a_client_books_three_sessions_of_a_package_in_one_go(visitor_page, server, visitor, viewport):
    shop = make_shop()
    order = place_paid_order(shop.package)
    page = visitor_page(visitor, viewport)
    step = f"{visitor}-{viewport['width']}"
    page.goto(f"{server}/orders/{order.token}/")
    # The zone the browser reports is the one the times are shown in.
    zone = VISITORS[visitor]["zone"]
    page.get_by_role("link", name="Book several sessions").click()
    check_page(page, J, f"empty-{step}", h1="Book several sessions")
    expect(page.locator(".tz-line")).to_have_text(f"Times in {zone}")

    pick_time(page)
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (1)")
    # The time chosen is shown as chosen, not offered again (nor any time overlapping it).
    chosen = page.locator(".slots .slot-chosen")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("Chosen")
    pick_time(page)
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (2)")
    page.get_by_role("link", name=re.compile("Group workshop")).click()
    # Another day than the coaching sessions (the picker swaps the day in without a reload).
    _show_another_free_day(page, nth=1)
    pick_time(page)
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (3)")
    check_page(page, J, f"three-chosen-{step}")
    axe_at_both_widths(page, "three sessions chosen")

    page.get_by_role("button", name="Book 3 sessions").click()
    expect(page.get_by_role("heading", name="3 sessions booked")).to_be_visible()
    expect(page.get_by_role("link", name="Add all 3 to your calendar (.ics)")).to_be_visible()
    check_page(page, J, f"three-booked-{step}")
    booked = Booking.objects.filter(order_item__order=order)
    assert booked.count() == 3
    assert {booking.client_timezone for booking in booked} == {VISITORS[visitor]["timezone_id"]}


@pytest.mark.parametrize(("visitor", "viewport", "javascript"),
                         [("london", PHONE, False), ("los-angeles", LAPTOP, True)],
                         ids=["london-390-no-javascript", "los-angeles-1280"])
def test_a_weekly_series_with_one_week_taken_offers_an_alternative(visitor_page, server, visitor, viewport, javascript):
    shop = make_shop()
    order = place_paid_order(shop.package)
    coaching = order.items.get(meeting_type_name="Coaching session")
    ledger_adjust(item=coaching, change=2, note="Four sessions", by_user=None)
    page = visitor_page(visitor, viewport, javascript=javascript)
    zone = ZoneInfo(VISITORS[visitor]["timezone_id"])
    # Without JavaScript the zone is not detected: the client chose it with the page's "change" link.
    page.goto(f"{server}/orders/{order.token}/sessions/" + ("" if javascript else f"?tz={zone.key}"))
    expect(page.locator(".tz-line")).to_have_text(f"Times in {VISITORS[visitor]['zone']}")
    pick_time(page)
    first = parse_slot_start(_chosen_starts(page)[0])
    # The series keeps the client's local time (see below): the rival takes week 3 at that time.
    week_three = (first.astimezone(zone) + timedelta(weeks=2)).astimezone(UTC)
    booking_create(meeting_type=shop.coaching, start=week_three, client_name="Rival",
                   client_email="rival@example.com")
    page.get_by_label("For how many weeks").fill("4")
    page.get_by_role("button", name="Show the weeks").click()
    expect(page.get_by_text("1 week of the series is not free")).to_be_visible()
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (3)")
    check_page(page, J, f"weekly-one-taken-{visitor}-{viewport['width']}")
    page.get_by_role("link", name=re.compile(r"^take .* instead$")).click()
    expect(page.locator("#chosen-title")).to_have_text("Your chosen sessions (4)")
    page.get_by_role("button", name="Book 4 sessions").click()
    expect(page.get_by_role("heading", name="4 sessions booked")).to_be_visible()
    starts = sorted(Booking.objects.filter(order_item=coaching).values_list("start", flat=True))
    assert len(starts) == 4 and week_three not in starts
    # "The same weekday and time" is the time the client sees: across a clock change (London's
    # spring forward, say) it is the same local time, not the same UTC time.
    local_first = first.astimezone(zone)
    weekly = [local_first + timedelta(weeks=week) for week in (0, 1, 3)]
    assert weekly == [s.astimezone(zone) for s in starts if s.astimezone(zone).time() == local_first.time()]
