"""Shared setup of the notifications tests: an owner open every day 9:00-17:00 (New York), a
meeting type with email reminders a day and an hour before and an SMS reminder an hour before,
bookings made directly or through scheduling.services, and an empty SMS outbox."""
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from notifications import sms
from orders.credits import ledger_backfill
from orders.models import OrderItem, OrderStatus, PackageOrder
from packages.tests.factories import make_package
from scheduling.models import Booking
from scheduling.tests.factories import make_meeting_type, set_weekly_hours

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


def make_booking(meeting_type, *, start=SESSION_START, phone="+15551230001", **fields) -> Booking:
    """A confirmed booking row made directly (no hooks called)."""
    fields.setdefault("client_name", "Dana Client")
    fields.setdefault("client_email", "dana@example.com")
    fields.setdefault("client_timezone", "Europe/Berlin")
    return Booking.objects.create(
        owner=meeting_type.owner, meeting_type=meeting_type, start=start,
        end=start + timedelta(minutes=meeting_type.duration_minutes), client_phone=phone, **fields,
    )


def make_order(owner, meeting_type, *, status=OrderStatus.ACTIVE, **fields) -> PackageOrder:
    package = make_package(owner, items=[(meeting_type, 3)], name="Ten-week coaching")
    fields.setdefault("client_name", "Dana Client")
    fields.setdefault("client_email", "dana@example.com")
    fields.setdefault("client_timezone", "Europe/Berlin")
    order = PackageOrder.objects.create(
        owner=owner, package=package, status=status, title="Ten-week coaching", description="Three sessions.",
        price=Decimal("1250.00"), currency="USD", payment_medium="stripe",
        paid_at=datetime(2026, 12, 1, 11, 30, tzinfo=UTC), **fields,
    )
    OrderItem.objects.create(
        order=order, meeting_type=meeting_type, meeting_type_name=meeting_type.name,
        duration_minutes=meeting_type.duration_minutes, kind=meeting_type.kind, quantity=3,
    )
    ledger_backfill()
    return order
