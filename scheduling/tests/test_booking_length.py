"""A booking keeps its own length: a later edit of its meeting type's duration applies to bookings
made afterwards, not to one already made, which keeps its length when moved (by the client or the
owner) and shows it. `booking_create(duration=)` books another length than the meeting type's
(orders passes the length a session was sold at)."""
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from scheduling import services
from tests import make_meeting_type, set_weekly_hours

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NINE_AM = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Monday 9:00 AM in New York
HALF_PAST_FOUR = NINE_AM + timedelta(hours=7, minutes=30)
THIRTY = timedelta(minutes=30)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    return make_meeting_type(owner, name="Check-in")  # 30 minutes


def book(meeting_type, start, **kw):
    return services.booking_create(meeting_type=meeting_type, start=start, client_name="Ana",
                                   client_email="ana@example.com", **kw)


def test_a_booking_moved_after_its_meeting_type_was_lengthened_keeps_its_own_length(owner_client, client,
                                                                                    meeting_type):
    booking = book(meeting_type, NINE_AM)
    meeting_type.duration_minutes = 60
    meeting_type.save()

    url = reverse("dashboard:booking_reschedule", args=[booking.pk])
    html = owner_client.get(url, {"tz": "America/New_York", "date": "2026-12-07"}).content.decode()
    assert ">4:30 PM<" in html  # 30 minutes fit before 5:00 PM; 60 would not
    assert owner_client.post(url + "?tz=America/New_York", {"start": "2026-12-07T21:30:00Z"}).status_code == 302
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (HALF_PAST_FOUR, HALF_PAST_FOUR + THIRTY)
    assert "Check-in · 30 min" in owner_client.get(reverse("dashboard:booking_detail", args=[booking.pk])).content.decode()

    moved = services.booking_reschedule(booking=booking, new_start=NINE_AM)
    assert moved.end == NINE_AM + THIRTY
    assert "Check-in · 30 min" in client.get(f"/bookings/{booking.token}/").content.decode()
    # A booking made now takes the new length.
    assert book(meeting_type, NINE_AM + timedelta(hours=2)).end == NINE_AM + timedelta(hours=3)


def test_a_booking_of_another_length_is_checked_and_booked_at_that_length(meeting_type):
    with pytest.raises(services.SlotUnavailable):  # 4:30 PM + 45 minutes is after closing
        book(meeting_type, HALF_PAST_FOUR, duration=timedelta(minutes=45))
    assert book(meeting_type, NINE_AM, duration=timedelta(minutes=45)).end == NINE_AM + timedelta(minutes=45)
    with pytest.raises(services.SlotUnavailable):  # 9:30 is inside the 45 minutes booked
        book(meeting_type, NINE_AM + THIRTY)
