"""The coach connects their other calendars: an ICS feed whose event blocks a time (it disappears
from the booking page), and a CalDAV account (a real Radicale) whose calendar gets the booking a
client then makes."""
import re
from datetime import time, timedelta
from urllib.parse import unquote

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calendars.tests.ics_samples import calendar, event
from scheduling.availability import available_slots
from scheduling.calendar import booking_uid
from scheduling.models import Booking
from tests import make_meeting_type, make_owner, set_weekly_hours
from tests.calendar_servers import RADICALE_PASSWORD, RADICALE_USER
from tests.e2e.data import OWNER_PASSWORD
from tests.e2e.helpers import check_page, log_in_as, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j-calendars"
STAMP = "%Y%m%dT%H%M%SZ"


def offered_starts(page) -> str:
    hrefs = page.locator(".slots a.slot").evaluate_all("(links) => links.map((link) => link.getAttribute('href'))")
    return " ".join(unquote(href or "") for href in hrefs)


def test_the_coach_adds_a_feed_and_a_caldav_calendar(page, new_page, server, feed_server, radicale):
    owner = make_owner(email="casey@example.com", slug="casey", display_name="Casey Coach",
                       timezone="America/New_York", password=OWNER_PASSWORD)
    set_weekly_hours(owner, {weekday: [(time(0), time(0))] for weekday in range(7)})
    meeting_type = make_meeting_type(owner, name="Coaching", slug="coaching", duration_minutes=60,
                                     slot_step_minutes=60, min_notice_minutes=0)
    now = timezone.now()
    blocked = available_slots(meeting_type=meeting_type, range_start=now, range_end=now + timedelta(days=2))[0].start
    blocked_iso = blocked.strftime("%Y-%m-%dT%H:%M:%SZ")
    feed = feed_server.serve("/dentist.ics", calendar(event(
        "dentist", blocked.strftime(STAMP), (blocked + timedelta(hours=1)).strftime(STAMP))))
    work = radicale.make_calendar("Work")

    client = new_page()
    client.goto(f"{server}/casey/coaching/")
    assert blocked_iso in offered_starts(client)

    log_in_as(page, server, owner)
    page.goto(f"{server}/dashboard/settings/")
    page.get_by_role("link", name="Calendars", exact=True).last.click()
    check_page(page, J, "01-calendars", h1="Calendars")
    page.get_by_label("Calendar address (ICS)").fill("ftp://example.com/cal.ics")
    page.get_by_role("button", name="Add feed").click()
    expect(page.get_by_text("Enter an address that starts with https:// (or http://).")).to_be_visible()
    check_page(page, J, "02-refused", h1="Calendars")
    page.get_by_label("Calendar address (ICS)").fill(feed)
    page.get_by_label("Name", exact=True).first.fill("Personal")
    page.get_by_role("button", name="Add feed").click()
    expect(page.get_by_text("“Personal” added: 1 events read.")).to_be_visible()
    check_page(page, J, "03-feed-added", h1="Calendars")

    client.goto(f"{server}/casey/coaching/")
    assert blocked_iso not in offered_starts(client)

    page.get_by_label("Server address").fill(radicale.url)
    page.get_by_label("User name").fill(RADICALE_USER)
    page.get_by_label("App password").fill(RADICALE_PASSWORD)
    page.get_by_role("button", name="Connect account").click()
    check_page(page, J, "04-choose", h1=re.compile("127.0.0.1"))
    page.get_by_role("checkbox", name="Work").check()
    page.get_by_label("Add bookings to").select_option(label="Work")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Work — checked for conflicts — bookings are added here")).to_be_visible()
    check_page(page, J, "05-connected", h1="Calendars")

    client.goto(f"{server}/casey/coaching/")
    pick_time(client)
    client.get_by_label("Your name").fill("Robin Client")
    client.get_by_label("Email").fill("robin@example.com")
    client.get_by_role("button", name="Confirm booking").click()
    client.wait_for_url(re.compile(r"/bookings/[^/]+/\?booked=1$"))

    booking = Booking.objects.get(client_email="robin@example.com")
    written = radicale.get(work, booking_uid(booking))
    assert written is not None
    event_written = icalendar.Calendar.from_ical(written).walk("VEVENT")[0]
    assert str(event_written["SUMMARY"]) == "Coaching with Robin Client"
    assert event_written.decoded("DTSTART") == booking.start
