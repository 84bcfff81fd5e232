"""One clock on the owner's pages (issue 29, item 3): the dashboard's booking steps (Reschedule, Book
for client) show the owner's zone from Settings, as the booking's page does, even when the browser
holds a client zone in its `tz` cookie from a visit to a booking page; a zone switched to on the page
applies to that page. Client pages still follow the cookie."""
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.urls import reverse

from orders.models import OrderStatus
from scheduling.services import booking_create
from tests import NOW, make_meeting_type, make_order, set_weekly_hours

LONDON_COOKIE = "Europe%2FLondon"  # as the browser script stores it


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):  # the owner's zone is America/New_York
    set_weekly_hours(owner, {day: [(time(0), time(0))] for day in range(7)})
    return make_meeting_type(owner, name="Intro call", slug="intro")


@pytest.fixture
def booking(meeting_type):
    return booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 3, 15, tzinfo=UTC),
                          client_name="Cleo", client_email="cleo@example.com", client_timezone="Europe/London")


def test_the_owners_reschedule_step_is_in_the_owners_zone_whatever_the_cookie(owner_client, booking):
    owner_client.cookies["tz"] = LONDON_COOKIE
    url = reverse("dashboard:booking_reschedule", args=[booking.pk])

    detail = owner_client.get(reverse("dashboard:booking_detail", args=[booking.pk])).content.decode()
    confirm = owner_client.get(url, {"start": "2026-12-03T16:00:00Z"}).content.decode()

    assert "10:00 AM" in detail  # 15:00 UTC in New York
    assert "Thursday, 3 December 2026 at 11:00 AM" in confirm  # 16:00 UTC in New York, not 4:00 PM London
    assert "America/New_York" in confirm or "New York" in confirm


def test_a_zone_switched_to_on_the_owners_page_applies_to_that_page(owner_client, booking):
    url = reverse("dashboard:booking_reschedule", args=[booking.pk])

    confirm = owner_client.get(url, {"start": "2026-12-03T16:00:00Z", "tz": "Europe/London"}).content.decode()

    assert "Thursday, 3 December 2026 at 4:00 PM" in confirm


def test_book_for_client_is_in_the_owners_zone_whatever_the_cookie(owner_client, owner, meeting_type):
    order = make_order(owner, meeting_type, sessions=2, with_items=True, status=OrderStatus.ACTIVE,
                       client_timezone="Europe/London")
    item = order.items.get()
    owner_client.cookies["tz"] = LONDON_COOKIE

    confirm = owner_client.get(reverse("orders:book", args=[order.pk, item.pk]),
                               {"start": "2026-12-03T16:00:00Z"}).content.decode()

    assert "Thursday, 3 December 2026 at 11:00 AM" in confirm


def test_a_client_page_still_follows_the_cookie(client, owner, meeting_type):
    client.cookies["tz"] = LONDON_COOKIE

    confirm = client.get(reverse("public:book_meeting", args=[owner.slug, meeting_type.slug]),
                         {"start": "2026-12-03T16:00:00Z"}).content.decode()

    assert "Thursday, 3 December 2026 at 4:00 PM" in confirm
