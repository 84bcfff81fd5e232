"""Shared setup of the notifications tests: an owner open every day 9:00-17:00 (New York), a
meeting type with email reminders a day and an hour before and an SMS reminder an hour before,
bookings made directly or through scheduling.services, and an empty SMS outbox."""
import functools
from datetime import UTC, datetime, time

import pytest

from notifications import sms
from orders.models import OrderStatus
from tests import TEN_AM, builders, make_meeting_type, make_order, set_weekly_hours

# The session the notification tests book: Monday 7 December 2026, 10:00 in New York.
SESSION_START = TEN_AM


@pytest.fixture(autouse=True)
def empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def open_hours(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(7)})
    return owner


@pytest.fixture
def coaching(open_hours):
    return make_meeting_type(
        open_hours, name="Coaching session", slug="coaching-session", duration_minutes=50,
        location_kind="video", location_details="https://meet.example.com/casey",
        email_reminders_enabled=True, email_reminder_offsets=[1440, 60],
        sms_reminders_enabled=True, sms_reminder_offsets=[60],
    )


# A confirmed booking row made directly (no hooks called): Dana in Berlin, with a mobile number,
# on Monday 7 December at 10:00 New York unless told otherwise.
make_booking = functools.partial(
    builders.make_booking, start=SESSION_START, client_phone="+15551230001", client_name="Dana Client",
    client_email="dana@example.com", client_timezone="Europe/Berlin",
)


# A paid order of three sessions of a meeting type, with its items and credits, for Dana in Berlin:
# make_dana_order(owner, meeting_type, **fields).
make_dana_order = functools.partial(
    make_order, sessions=3, with_items=True, status=OrderStatus.ACTIVE, title="Ten-week coaching",
    description="Three sessions.", price="1250.00", currency="USD", medium="stripe",
    paid_at=datetime(2026, 12, 1, 11, 30, tzinfo=UTC), client_name="Dana Client", client_email="dana@example.com",
    client_timezone="Europe/Berlin",
)
