"""Journey: a client finds the group workshop full, follows "Join its waitlist" from its booking
page, joins the waitlist of that session (a bad email is explained first), a seat frees when another
client cancels, and the client claims it from the link in the email (read from the outbox)."""
import re
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import Booking, BookingStatus
from scheduling.services import booking_cancel, booking_create
from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, log_in_as
from waitlists.models import WaitlistEntry, WaitlistStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "waitlist"


def test_client_joins_the_waitlist_of_a_full_session_and_claims_the_freed_seat(page, server):
    shop = make_shop()
    workshop = shop.workshop
    workshop.capacity = 1
    workshop.save(update_fields=["capacity"])
    # 14:00 in the owner's zone: on the workshop's two-hour grid, which starts at midnight there.
    zone = zoneinfo.ZoneInfo(shop.owner.timezone)
    start = (timezone.now().astimezone(zone) + timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
    taken = booking_create(meeting_type=workshop, start=start, client_name="Ann Early", client_email="ann@example.com")

    page.goto(f"{server}/{shop.owner.slug}/{workshop.slug}/")
    page.get_by_role("link", name="Join its waitlist").click()
    page.wait_for_url(re.compile(r"/waitlist/$"))
    check_page(page, J, "01-full-sessions", h1="Group workshop: waitlist")
    page.get_by_role("link", name=re.compile(r"^Join the waitlist")).first.click()
    check_page(page, J, "02-join", h1="Group workshop: waitlist")

    page.get_by_label("Your name").fill("Cleo Client")
    page.get_by_label("Email").fill("cleo-at-example")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    assert not WaitlistEntry.objects.exists()

    page.get_by_label("Email").fill("cleo@example.com")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("You are on the waitlist")).to_be_visible()
    check_page(page, J, "03-joined", h1="Group workshop: waitlist")

    # The owner sees the line on Dashboard › Waitlists.
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/waitlists/")
    check_page(page, J, "04-owner-list", h1="Waitlists")
    expect(page.get_by_text("cleo@example.com")).to_be_visible()

    booking_cancel(booking=taken)  # Ann cancels: the seat is offered to Cleo, first in line
    offer = next(message for message in reversed(mail.outbox) if message.to == ["cleo@example.com"])
    assert offer.subject == "A seat is free: claim it"
    link = re.search(r"https?://\S+/waitlist/claim/\S+/", offer.body).group(0)
    page.goto(server + re.sub(r"^https?://[^/]+", "", link))
    check_page(page, J, "05-claim", h1="Claim your seat")
    page.get_by_role("button", name="Claim my seat").click()
    page.wait_for_url(re.compile(r"/bookings/\S+/\?booked=1"))
    booking = Booking.objects.get(client_email="cleo@example.com")
    assert (booking.start, booking.status) == (start, BookingStatus.CONFIRMED)
    assert WaitlistEntry.objects.get().status == WaitlistStatus.CLAIMED
