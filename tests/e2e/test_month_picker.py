"""The month picker in a browser: a visitor in Berlin (German, 24-hour clock) and one in Los
Angeles (American English, 12-hour clock) book a meeting from the month grid at 1280 px and
390 px; the same without JavaScript; a client's reschedule opens on the booking's own day; and
axe-core finds no serious or critical violation on the pages of the booking and ordering flows."""
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.services import order_session_book
from scheduling.models import Booking
from scheduling.services import booking_create
from tests.e2e.data import make_shop, place_paid_order
from tests.e2e.helpers import (
    LAPTOP,
    PHONE,
    VISITORS,
    assert_no_serious_axe_violations,
    axe_at_both_widths,
    check_page,
    log_in_as,
    pick_time,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "jp-month-picker"


def _free_days(page) -> list[str]:
    return page.locator("a[data-picker-day]").evaluate_all("(days) => days.map((day) => day.dataset.pickerDay)")


def _free_days_from_two(page) -> list[str]:
    """The free days shown, or next month's when fewer than two are left in this one (late on a
    month's last day); without script "next" is a navigation, waited for by its new month."""
    days = _free_days(page)
    if len(days) < 2:
        month = page.locator(".month-label").inner_text()
        page.locator('a[data-picker-nav="next"]').click()
        expect(page.locator(".month-label")).not_to_have_text(month)
        days = _free_days(page)
    assert len(days) >= 2
    return days


# axe runs at the test's own width: each visitor's page is checked at 1280 px and at 390 px by the
# two parametrizations (so in the reschedule test below).
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("visitor", ["berlin", "los-angeles"])
def test_a_visitor_books_a_meeting_from_the_month_grid(visitor_page, server, visitor, viewport):
    shop = make_shop()
    who = VISITORS[visitor]
    page = visitor_page(visitor, viewport)
    step = f"{visitor}-{viewport['width']}"

    page.goto(f"{server}/casey/{shop.coaching.slug}/")
    # The zone is detected (the tz cookie is URL-encoded by the browser) and said in words.
    expect(page.locator(".tz-line")).to_have_text(f"Times in {who['zone']}")
    expect(page.locator(f'[data-clock="{who["clock"]}"]')).to_have_attribute("aria-current", "true")
    check_page(page, J, f"01-grid-{step}", h1="Coaching session")
    assert_no_serious_axe_violations(page, "the month grid")
    # Times follow the visitor's clock.
    first_time = page.locator(".slots a.slot").first.inner_text()
    assert re.fullmatch(r"\d{2}:\d{2}" if who["clock"] == "24" else r"\d{1,2}:\d{2} (AM|PM)", first_time), first_time

    # Choosing another day shows its times without a reload, in view, and says so.
    days = _free_days_from_two(page)
    page.evaluate("window.notReloaded = true")
    page.evaluate("window.scrollTo(0, 200)")
    scrolled = page.evaluate("window.scrollY")
    page.locator(f'a[data-picker-day="{days[1]}"]').click()
    expect(page.locator(f'a[data-picker-day="{days[1]}"]')).to_have_attribute("aria-current", "date")
    assert page.evaluate("window.notReloaded") is True
    assert days[1] in page.url
    expect(page.locator("[data-picker-announce]")).to_contain_text("free time")
    times = page.locator(".picker-times")
    expect(times).to_be_in_viewport()
    # Never back to the top: where the visitor was, or further down to the times (phone). A day
    # with fewer times makes the page shorter, and the browser then stops at the new bottom.
    bottom = page.evaluate("document.documentElement.scrollHeight - window.innerHeight")
    assert page.evaluate("window.scrollY") >= min(scrolled, bottom), "the page jumped back up"
    # The grid fits the phone: no sideways scrolling, 44 px day targets.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator(f'a[data-picker-day="{days[1]}"]').bounding_box()
    assert box["height"] >= 44 and box["width"] >= 40
    assert_no_serious_axe_violations(page, "a chosen day")

    # Arrow keys move between the days that have times; focus is visible.
    page.locator(f'a[data-picker-day="{days[1]}"]').focus()
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.getAttribute('data-picker-day')")
    assert focused == days[2] if len(days) > 2 else focused == days[1]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.getAttribute('data-picker-day')") == days[1]

    # Next month and back, without a reload.
    this_month = page.locator(".month-label").inner_text()
    page.locator("a[data-picker-nav=next]").click()
    expect(page.locator(".month-label")).not_to_have_text(this_month)
    page.locator("a[data-picker-nav=prev]").click()
    page.locator(f'a[data-picker-day="{days[1]}"]').wait_for()
    assert page.evaluate("window.notReloaded") is True

    # A time, the details, and the booking.
    page.locator(f'a[data-picker-day="{days[1]}"]').click()
    expect(page.locator(f'a[data-picker-day="{days[1]}"]')).to_have_attribute("aria-current", "date")
    page.locator(".slots a.slot").first.click()
    page.wait_for_url(re.compile(r"start="))
    check_page(page, J, f"02-details-{step}", h1="Coaching session")
    assert_no_serious_axe_violations(page, "the details step")
    page.get_by_label("Your name").fill("Robin Visitor")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/bookings/[^/]+/\?booked=1$"))
    expect(page.get_by_text("Booking confirmed")).to_be_visible()
    check_page(page, J, f"03-booked-{step}")
    assert_no_serious_axe_violations(page, "the booking page")
    booking = Booking.objects.get()
    assert booking.client_timezone == who["timezone_id"]
    assert booking.start.astimezone(ZoneInfo(who["timezone_id"])).date().isoformat() == days[1]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280", "390"])
def test_without_javascript_links_and_forms_book_a_meeting(visitor_page, server, viewport):
    shop = make_shop()
    page = visitor_page("berlin", viewport, javascript=False)

    page.goto(f"{server}/casey/{shop.coaching.slug}/")
    # No script, no detection: the host's zone, which the searchable field changes.
    expect(page.locator(".tz-line")).to_have_text("Times in America/New York")
    page.locator("summary").filter(has_text="change").click()
    page.get_by_label("Time zone").fill("Mars")
    page.get_by_role("button", name="Show times").click()
    expect(page.get_by_text("We don't know that time zone")).to_be_visible()  # next to the field, open
    check_page(page, J, f"04-nojs-zone-error-{viewport['width']}", h1="Coaching session")
    page.get_by_label("Time zone").fill("Berlin")
    page.get_by_role("button", name="Show times").click()
    expect(page.locator(".tz-line")).to_have_text("Times in Europe/Berlin")
    page.get_by_role("link", name="24h").click()
    expect(page.locator('[data-clock="24"]')).to_have_attribute("aria-current", "true")

    days = _free_days_from_two(page)
    page.locator(f'a[data-picker-day="{days[1]}"]').click()
    page.wait_for_url(re.compile(rf"date={days[1]}#picker-times$"))
    expect(page.locator(f'a[data-picker-day="{days[1]}"]')).to_have_attribute("aria-current", "date")
    expect(page.locator(".picker-times")).to_be_in_viewport()
    check_page(page, J, f"04-nojs-day-{viewport['width']}", h1="Coaching session")
    page.locator(".slots a.slot").first.click()
    page.get_by_label("Your name").fill("Noa Nojs")
    page.get_by_label("Email").fill("noa@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Booking confirmed")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.start.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat() == days[1]
    assert re.search(r"at \d{2}:\d{2}", page.locator("main").inner_text())  # the 24-hour clock, remembered


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280", "390"])
def test_the_reschedule_picker_opens_on_the_bookings_own_day(visitor_page, server, viewport):
    shop = make_shop()
    start = (timezone.now() + timedelta(days=40)).replace(hour=14, minute=0, second=0, microsecond=0)
    booking = booking_create(meeting_type=shop.coaching, start=start, client_name="Robin",
                             client_email="robin@example.com", client_timezone="America/Los_Angeles")
    page = visitor_page("los-angeles", viewport)

    page.goto(f"{server}/bookings/{booking.token}/reschedule/")
    own_day = start.astimezone(ZoneInfo("America/Los_Angeles")).date()
    expect(page.locator("a[aria-current=date]")).to_have_attribute("data-picker-day", own_day.isoformat())
    expect(page.locator(".month-label")).to_have_text(own_day.strftime("%B %Y"))
    check_page(page, J, f"05-reschedule-{viewport['width']}", h1="Reschedule Coaching session")
    assert_no_serious_axe_violations(page, "the reschedule picker")
    pick_time(page, avoid_start_iso=start.strftime("%Y-%m-%dT%H:%M"))
    assert_no_serious_axe_violations(page, "the reschedule confirm step")
    page.get_by_role("button", name="Confirm new time").click()
    expect(page.get_by_text("Your booking was moved.")).to_be_visible()
    booking.refresh_from_db()
    assert booking.start != start and booking.start.astimezone(ZoneInfo("America/Los_Angeles")).date() == own_day


def test_axe_finds_nothing_serious_on_the_ordering_and_owner_pages(page, new_page, server):
    shop = make_shop()
    order = place_paid_order(shop.package)
    booking = order_session_book(item=order.items.get(meeting_type=shop.coaching), start=(
        timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0))

    for path in ["/accounts/signup/", "/accounts/login/", "/casey/", f"/casey/packages/{shop.package.slug}/",
                 f"/orders/{order.token}/", f"/bookings/{booking.token}/"]:
        page.goto(f"{server}{path}")
        axe_at_both_widths(page, path)
    page.goto(f"{server}/orders/{order.token}/")
    page.get_by_role("link", name="Schedule Coaching session").click()
    page.wait_for_url(re.compile(r"/items/\d+/book/"))
    check_page(page, J, "07-order-item-picker", h1="Schedule Coaching session")
    axe_at_both_widths(page, "the order item's picker")
    pick_time(page)
    check_page(page, J, "08-order-item-confirm", h1="Schedule Coaching session")
    axe_at_both_widths(page, "the order item's confirm step")

    owner = new_page(LAPTOP)
    log_in_as(owner, server, shop.owner)
    item = order.items.get(meeting_type=shop.coaching)
    for number, path in enumerate([
            f"/dashboard/orders/{order.pk}/", f"/dashboard/orders/{order.pk}/items/{item.pk}/book/",
            f"/dashboard/orders/{order.pk}/bookings/{booking.pk}/reschedule/",
            f"/dashboard/bookings/{booking.pk}/", f"/dashboard/bookings/{booking.pk}/reschedule/"]):
        owner.goto(f"{server}{path}")
        check_page(owner, J, f"06-owner-{number}")
        axe_at_both_widths(owner, path)
