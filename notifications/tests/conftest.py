"""Shared setup of the notifications tests: an owner open every day 9:00-17:00 (New York), a
meeting type with email reminders a day and an hour before and an SMS reminder an hour before,
bookings made directly or through scheduling.services, and an empty SMS outbox."""
import functools
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from leadmonk.testing import builders, make_meeting_type, make_package, open_ledgers, set_weekly_hours
from notifications import sms
from orders.models import OrderItem, OrderStatus, PackageOrder

# Tuesday 2026-12-01 12:00 UTC. Monday 2026-12-07 10:00 in New York is 15:00 UTC.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SESSION_START = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


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


def make_order(owner, meeting_type, *, status=OrderStatus.ACTIVE, **fields) -> PackageOrder:
    """A paid order of three sessions of `meeting_type`, with its credits, for Dana in Berlin."""
    package = make_package(owner, items=[(meeting_type, 3)], name="Ten-week coaching")
    fields = {"client_name": "Dana Client", "client_email": "dana@example.com", "client_timezone": "Europe/Berlin",
              **fields}
    order = builders.make_order(
        package, status=status, description="Three sessions.", price=Decimal("1250.00"), currency="USD",
        payment_medium="stripe", paid_at=datetime(2026, 12, 1, 11, 30, tzinfo=UTC), **fields,
    )
    OrderItem.objects.create(
        order=order, meeting_type=meeting_type, meeting_type_name=meeting_type.name,
        duration_minutes=meeting_type.duration_minutes, kind=meeting_type.kind, quantity=3,
    )
    open_ledgers()
    return order
