"""The booking page of one meeting type (/<owner-slug>/<meeting-type-slug>/) at its pick stage is
cached as its month fragment is: by slug and what the visitor chose, under the owner's content and
bookings versions. A hit runs no query; every change shows on the next view; a chosen time to
confirm (with its CSRF token) and a POST always read the database."""
from datetime import time, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory

from scheduling.booking_step import TimeStep
from scheduling.models import BookedBy, Booking, MeetingTypeState
from scheduling.public_views import BOOK_WORDING, book_body
from scheduling.selectors import get_bookable_meeting_type
from scheduling.services import booking_cancel, booking_create
from scheduling.setup_services import meeting_type_set_state, meeting_type_update
from tests import MID_MINUTE, NINE_AM_THURSDAY, make_meeting_type, set_weekly_hours

URL = "/coach/intro/"
THURSDAY = {"tz": "America/New_York", "date": "2026-12-03"}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(MID_MINUTE, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    return make_meeting_type(owner, name="Intro call", slug="intro")


def page(client, params=THURSDAY) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_booking_made_or_cancelled_shows_on_the_next_view(client, meeting_type):
    assert ">9:00 AM<" in page(client)
    booking = booking_create(meeting_type=meeting_type, start=NINE_AM_THURSDAY, client_name="Jo",
                             client_email="jo@example.com")
    assert ">9:00 AM<" not in page(client)
    booking_cancel(booking=booking, by=BookedBy.OWNER)
    assert ">9:00 AM<" in page(client)


def test_a_renamed_or_disabled_meeting_type_shows_at_once(client, owner, meeting_type):
    assert "<h1>Intro call</h1>" in page(client)
    meeting_type_update(meeting_type=meeting_type, name="Discovery call", slug="intro")
    html = page(client)
    assert "<h1>Discovery call</h1>" in html and "<title>Discovery call with Casey Coach" in html
    owner.display_name = "Casey Renamed"
    owner.save()
    assert "<title>Discovery call with Casey Renamed" in page(client)
    meeting_type_set_state(meeting_type=meeting_type, state=MeetingTypeState.DISABLED)
    assert client.get(URL, THURSDAY).status_code == 404


@pytest.mark.parametrize("bookings", [0, 6])
def test_a_hit_is_one_cache_read_and_no_query(client, meeting_type, bookings, django_assert_num_queries):
    for n in range(bookings):
        booking_create(meeting_type=meeting_type, start=NINE_AM_THURSDAY + timedelta(days=7 * (n // 3), hours=n % 3),
                       client_name="Jo", client_email="jo@example.com")
    first = page(client)
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set, django_assert_num_queries(0):
        assert page(client) == first
    assert get_many.call_count == 1 and not cache_set.called


def test_the_pick_stage_shows_nothing_of_the_visitor_but_what_the_key_holds(owner, meeting_type):
    # The cached body is rendered without the request: with it (a logged-in owner, a CSRF cookie,
    # what the context processors add) it must read the same, or the cache would hand one
    # visitor's page to another.
    request = RequestFactory().get(URL, THURSDAY, HTTP_COOKIE="csrftoken=" + "a" * 32)
    request.user = owner
    request.session = {}
    request._messages = mock.MagicMock(__iter__=lambda self: iter(["A message for the owner"]))
    meeting_type = get_bookable_meeting_type(owner=owner, slug="intro")
    step = TimeStep(request, meeting_type=meeting_type, default_tz=owner.timezone, wording=BOOK_WORDING)
    assert book_body(request, owner, meeting_type, step.pick_stage()) \
        == book_body(None, owner, meeting_type, step.pick_stage())


def test_a_chosen_time_to_confirm_is_never_taken_from_the_cache(meeting_type, django_assert_num_queries):
    visitor = Client(enforce_csrf_checks=True)
    page(visitor)
    with django_assert_num_queries(3):  # owner, meeting type, the time checked against the hours and bookings
        html = page(visitor, {**THURSDAY, "start": "2026-12-03T14:00:00Z"})
    assert 'name="csrfmiddlewaretoken"' in html and "Confirm booking" in html
    token = visitor.cookies["csrftoken"].value
    response = visitor.post(f"{URL}?tz=America/New_York", {
        "start": "2026-12-03T14:00:00Z", "client_name": "Jo", "client_email": "jo@example.com",
        "client_timezone": "America/New_York", "csrfmiddlewaretoken": token,
    })
    assert response.status_code == 302 and Booking.objects.filter(start=NINE_AM_THURSDAY).exists()
    assert ">9:00 AM<" not in page(visitor)


def test_an_unreachable_cache_still_serves_the_page(client, meeting_type):
    down = ConnectionError("redis down")
    with mock.patch.object(cache, "get_many", side_effect=down), mock.patch.object(cache, "get", side_effect=down), \
         mock.patch.object(cache, "add", side_effect=down), mock.patch.object(cache, "set", side_effect=down):
        assert ">9:00 AM<" in page(client)
        booking_create(meeting_type=meeting_type, start=NINE_AM_THURSDAY, client_name="Jo",
                       client_email="jo@example.com")
        assert ">9:00 AM<" not in page(client)
    assert ">9:00 AM<" not in page(client)
