"""The slot picker's month fragment is cached under the owner's content and bookings versions:
a booking made, moved or cancelled, or a change of hours, of the meeting type or of the owner,
shows in the very next fragment; a hit is one cache read and no query (the public fragment is kept
by the owner's slug: leadmonk.content_version.cached_public_page); time moving on never leaves a
time on offer that can no longer be booked."""
from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from leadmonk import content_version
from scheduling import availability, picker
from scheduling.models import BookedBy, MeetingTypeState
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from scheduling.setup_services import (
    date_override_add,
    date_override_delete,
    meeting_type_set_state,
    meeting_type_update,
    weekly_hours_replace,
)
from tests import MID_MINUTE, NINE_AM_THURSDAY, make_meeting_type, set_weekly_hours


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(MID_MINUTE, tick=False) as traveller:
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
def test_a_cached_fragment_is_one_cache_read_and_no_query(client, meeting_type, bookings,
                                                          django_assert_num_queries):
    for n in range(bookings):
        book(meeting_type, NINE_AM_THURSDAY + timedelta(days=7 * (n // 3), hours=n % 3))
    fragment(client, meeting_type)
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set, mock.patch.object(cache, "add") as cache_add, \
         django_assert_num_queries(0):
        # Not even the owner or the meeting type by slug: the entry names the owner, and their
        # content and bookings versions come with it in the one round trip.
        assert ">3:00 PM<" in fragment(client, meeting_type)
    assert get_many.call_count == 1 and not cache_set.called and not cache_add.called


def test_another_process_serves_what_the_first_stored_without_a_query(client, meeting_type,
                                                                      django_assert_num_queries):
    fragment(client, meeting_type)
    content_version.owner_hints_forget()  # a worker that has not seen this owner yet
    with mock.patch.object(cache, "set") as cache_set, django_assert_num_queries(0):
        assert ">9:00 AM<" in fragment(client, meeting_type)
    assert not cache_set.called
    book(meeting_type, NINE_AM_THURSDAY)
    content_version.owner_hints_forget()
    assert ">9:00 AM<" not in fragment(client, meeting_type)


def test_a_booking_committed_while_the_fragment_renders_is_not_served_after(client, meeting_type):
    real = availability.available_slots

    def read_then_someone_books(**kwargs):
        slots = real(**kwargs)  # 9:00 is free... then a booking lands and bumps the version
        content_version.bookings_changed(owner_id=meeting_type.owner_id)
        return slots

    with mock.patch.object(picker, "available_slots", side_effect=read_then_someone_books):
        fragment(client, meeting_type)
    # What was rendered under the version read before the booking is not what the next view gets.
    with mock.patch.object(picker, "available_slots", wraps=real) as rendered:
        fragment(client, meeting_type)
    assert rendered.called


def test_a_disabled_deleted_or_renamed_meeting_type_shows_at_once(client, owner, meeting_type):
    url = reverse("public:book_meeting", args=[owner.slug, meeting_type.slug])
    assert ">9:00 AM<" in fragment(client, meeting_type)
    meeting_type_set_state(meeting_type=meeting_type, state=MeetingTypeState.DISABLED)
    assert client.get(url, {"fragment": "picker"}).status_code == 404
    assert client.get(url, {"fragment": "picker"}).status_code == 404  # and the next time too
    meeting_type_set_state(meeting_type=meeting_type, state=MeetingTypeState.ACTIVE)
    assert ">9:00 AM<" in fragment(client, meeting_type)
    renamed = meeting_type_update(meeting_type=meeting_type, name="Discovery call", slug="discovery")
    assert client.get(url, {"fragment": "picker"}).status_code == 404
    assert ">9:00 AM<" in fragment(client, renamed)
    meeting_type_update(meeting_type=renamed, duration_minutes=60, slot_step_minutes=60)
    assert ">9:30 AM<" not in fragment(client, renamed)
    meeting_type_set_state(meeting_type=renamed, state=MeetingTypeState.DELETED)
    assert client.get(reverse("public:book_meeting", args=[owner.slug, "discovery"]),
                      {"fragment": "picker"}).status_code == 404


def test_a_change_of_weekly_hours_shows_at_once(client, owner, meeting_type):
    assert ">9:00 AM<" in fragment(client, meeting_type)
    weekly_hours_replace(owner=owner, hours={3: [(time(13), time(15))]})
    html = fragment(client, meeting_type)
    assert ">9:00 AM<" not in html and ">1:00 PM<" in html
    date_override_add(owner=owner, date=datetime(2026, 12, 3).date(), intervals=[(time(16), time(17))])
    html = fragment(client, meeting_type)
    assert ">1:00 PM<" not in html and ">4:00 PM<" in html
    date_override_delete(owner=owner, date=datetime(2026, 12, 3).date())
    assert ">1:00 PM<" in fragment(client, meeting_type)


def test_the_owners_zone_is_the_default_and_a_change_of_it_shows_at_once(client, owner, meeting_type):
    url = reverse("public:book_meeting", args=[owner.slug, meeting_type.slug])
    assert ">9:00 AM<" in client.get(url, {"fragment": "picker", "date": "2026-12-03"}).content.decode()
    owner.timezone = "America/Los_Angeles"  # his hours stay 9 to 5, now in Los Angeles
    owner.save()
    html = client.get(url, {"fragment": "picker", "date": "2026-12-03"}).content.decode()
    assert ">9:00 AM<" in html and "Los Angeles" in html


def test_the_visitors_zone_and_clock_cookies_each_get_their_own_fragment(client, meeting_type):
    url = reverse("public:book_meeting", args=[meeting_type.owner.slug, meeting_type.slug])
    params = {"fragment": "picker", "date": "2026-12-03"}
    assert ">9:00 AM<" in client.get(url, params).content.decode()  # the owner's zone, New York
    client.cookies["tz"] = "Europe%2FBerlin"
    assert ">3:00 PM<" in client.get(url, params).content.decode()
    client.cookies["clock"] = "24"
    assert ">15:00<" in client.get(url, params).content.decode()
    del client.cookies["tz"]
    assert ">09:00<" in client.get(url, params).content.decode()


def test_a_renamed_slug_or_a_deactivated_owner_is_a_404_at_once(client, owner, meeting_type):
    assert ">9:00 AM<" in fragment(client, meeting_type)
    owner.slug = "new-coach"
    owner.save()
    assert client.get("/coach/intro/", {"fragment": "picker"}).status_code == 404
    assert ">9:00 AM<" in client.get("/new-coach/intro/", {"fragment": "picker", "tz": "America/New_York",
                                                           "date": "2026-12-03"}).content.decode()
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert client.get("/new-coach/intro/", {"fragment": "picker", "tz": "America/New_York",
                                            "date": "2026-12-03"}).status_code == 404


def test_an_unreachable_cache_still_serves_the_fragment(client, meeting_type):
    down = ConnectionError("redis down")
    with mock.patch.object(cache, "get_many", side_effect=down), mock.patch.object(cache, "get", side_effect=down), \
         mock.patch.object(cache, "add", side_effect=down), mock.patch.object(cache, "set", side_effect=down):
        assert ">9:00 AM<" in fragment(client, meeting_type)  # a process that knows nothing yet
        assert ">9:00 AM<" in fragment(client, meeting_type)  # one that knows the owner of the slug
        book(meeting_type, NINE_AM_THURSDAY)  # the bump cannot reach the cache either
        assert ">9:00 AM<" not in fragment(client, meeting_type)
    assert ">9:00 AM<" not in fragment(client, meeting_type)


def test_an_evicted_bookings_version_comes_back_new_and_the_fragment_is_rendered_again(client, meeting_type,
                                                                                       django_assert_num_queries):
    fragment(client, meeting_type)
    cache.delete(f"v:bookings:{meeting_type.owner_id}")  # Redis dropped it: nothing cached under it may be served
    with mock.patch.object(picker, "available_slots", wraps=availability.available_slots) as rendered:
        assert ">9:00 AM<" in fragment(client, meeting_type)
    assert rendered.called and cache.get(f"v:bookings:{meeting_type.owner_id}") is not None
    with django_assert_num_queries(0):
        assert ">9:00 AM<" in fragment(client, meeting_type)
