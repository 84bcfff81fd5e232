"""Shared setup of the waitlist tests: a frozen clock, an owner open every day 9:00-17:00 (New York),
a group workshop of two seats, full at NINE_AM, and helpers."""
from datetime import time

import pytest
import time_machine

from scheduling.models import BookingStatus, MeetingTypeKind
from scheduling.services import booking_create
from tests import NINE_AM, NOW, make_meeting_type, set_weekly_hours


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def workshop(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(7)})
    return make_meeting_type(owner, name="Group workshop", slug="group-workshop", kind=MeetingTypeKind.GROUP,
                             capacity=2, duration_minutes=60, waitlist_claim_hours=6)


def book_seat(meeting_type, email, start=NINE_AM):
    return booking_create(meeting_type=meeting_type, start=start, client_name=email.split("@")[0].title(),
                          client_email=email)


@pytest.fixture
def full_session(workshop):
    """The two seats of NINE_AM, booked by Ann and Bob."""
    seats = [book_seat(workshop, "ann@example.com"), book_seat(workshop, "bob@example.com")]
    assert all(seat.status == BookingStatus.CONFIRMED for seat in seats)
    return seats


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """Run `action(**kwargs)` and deliver what it queued on commit (the outbox's emails and texts)."""
    def run(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)
    return run
