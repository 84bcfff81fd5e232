"""The slot picker's month fragment is cached under the owner's content and bookings versions:
a booking made, moved or cancelled, or a change of hours, shows in the very next fragment; a hit
reads the cache once; time moving on never leaves a time on offer that can no longer be booked."""
from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from leadmonk.testing import make_meeting_type, set_weekly_hours
from scheduling.models import BookedBy
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from scheduling.setup_services import date_override_add

# Tuesday 1 December 2026, 07:00:20 in New York: inside a minute, where the cache is used.
NOW = datetime(2026, 12, 1, 12, 0, 20, tzinfo=UTC)
NINE_AM_THURSDAY = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # 9:00 AM in New York


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    return make_meeting_type(owner, name="Intro call", slug="intro")


def fragment(client, meeting_type, day="2026-12-03") -> str:
    url = reverse("public:book_meeting", args=[meeting_type.owner.slug, meeting_type.slug])
    response = client.get(url, {"fragment": "picker", "tz": "America/New_York", "date": day})
    assert response.status_code == 200
    return response.content.decode()


def book(meeting_type, start):
    return booking_create(meeting_type=meeting_type, start=start, client_name="Jo", client_email="jo@example.com",
                          client_timezone="America/New_York")


def test_a_booking_takes_its_time_out_of_the_next_fragment(client, meeting_type):
    assert ">9:00 AM<" in fragment(client, meeting_type)
    booking = book(meeting_type, NINE_AM_THURSDAY)
    assert ">9:00 AM<" not in fragment(client, meeting_type)
    moved = booking_reschedule(booking=booking, new_start=NINE_AM_THURSDAY + timedelta(hours=1), by=BookedBy.OWNER)
    html = fragment(client, meeting_type)
    assert ">9:00 AM<" in html and ">10:00 AM<" not in html
    booking_cancel(booking=moved, by=BookedBy.OWNER)
    assert ">10:00 AM<" in fragment(client, meeting_type)


def test_a_booking_of_another_meeting_type_of_the_owner_blocks_the_time_too(client, owner, meeting_type):
    other = make_meeting_type(owner, name="Other call", slug="other")
    assert ">9:00 AM<" in fragment(client, meeting_type)
    book(other, NINE_AM_THURSDAY)
    assert ">9:00 AM<" not in fragment(client, meeting_type)


def test_a_change_of_hours_or_of_the_meeting_type_shows_at_once(client, owner, meeting_type):
    assert ">9:00 AM<" in fragment(client, meeting_type)
    date_override_add(owner=owner, date=datetime(2026, 12, 3).date(), intervals=[(time(13), time(14))])
    html = fragment(client, meeting_type)
    assert ">9:00 AM<" not in html and ">1:00 PM<" in html
    meeting_type.duration_minutes = 60
    meeting_type.slot_step_minutes = 60
    meeting_type.save()
    assert ">1:30 PM<" not in fragment(client, meeting_type)


def test_time_moving_on_takes_times_inside_the_notice_away(client, owner, frozen_time):
    set_weekly_hours(owner, {day: [(time(7), time(17))] for day in range(5)})
    soon = make_meeting_type(owner, name="Soon", slug="soon", min_notice_minutes=60)
    # 07:00:20 New York: 8:00 AM is inside the hour's notice already, 8:30 AM is not.
    html = fragment(client, soon, day="2026-12-01")
    assert ">8:00 AM<" not in html and ">8:30 AM<" in html
    frozen_time.move_to(datetime(2026, 12, 1, 12, 30, 0, tzinfo=UTC))  # exactly 7:30: 8:30 still offered
    assert ">8:30 AM<" in fragment(client, soon, day="2026-12-01")
    frozen_time.move_to(datetime(2026, 12, 1, 12, 30, 0, 1, tzinfo=UTC))  # a microsecond later: gone
    assert ">8:30 AM<" not in fragment(client, soon, day="2026-12-01")


@pytest.mark.parametrize("bookings", [0, 6])
def test_a_cached_fragment_reads_the_cache_once_and_runs_no_slot_queries(client, meeting_type, bookings,
                                                                          django_assert_num_queries):
    for n in range(bookings):
        book(meeting_type, NINE_AM_THURSDAY + timedelta(days=7 * (n // 3), hours=n % 3))
    fragment(client, meeting_type)
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set:
        # the owner and the meeting type by slug (the page's own 404s); no hours, no bookings
        with django_assert_num_queries(2):
            assert ">3:00 PM<" in fragment(client, meeting_type)
    assert get_many.call_count == 1 and not cache_set.called
