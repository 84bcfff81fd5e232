"""Where we meet, in the browser (issue 27, item 4): the owner picks "A new video room for each
booking" on the meeting type form, and the client's booking page shows the room's link."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import Booking
from scheduling.services import booking_create
from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, log_in_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "locations"


def test_the_owner_picks_a_new_video_room_and_the_client_sees_its_link(page, server):
    shop = make_shop()
    log_in_as(page, server, shop.owner)

    page.goto(f"{server}/dashboard/meeting-types/{shop.coaching.pk}/")
    page.get_by_label("Location", exact=True).select_option(label="A new video room for each booking")
    location = page.locator("section.card", has=page.get_by_role("heading", name="Location"))
    expect(location.get_by_label("Who calls whom")).to_be_visible()
    location.scroll_into_view_if_needed()
    screenshot(page, J, "meeting-type-form")
    page.get_by_role("button", name="Save").first.click()
    check_page(page, J, "meeting-types")

    start = (timezone.now() + timedelta(days=2)).replace(hour=15, minute=0, second=0, microsecond=0)
    booking = booking_create(meeting_type=shop.coaching, start=start, client_name="Jamie Client",
                             client_email="jamie@example.com")
    booking = Booking.objects.get(pk=booking.pk)
    page.goto(f"{server}/bookings/{booking.token}/")
    check_page(page, J, "booking-page")
    link = page.get_by_role("link", name="Join the video room")
    expect(link).to_have_attribute("href", re.compile(r"^https://meet\.jit\.si/Leadmonk-[A-Za-z0-9_-]{43}$"))
    assert link.get_attribute("href") == booking.video_room_url
