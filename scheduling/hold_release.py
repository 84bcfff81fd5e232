"""Releasing a paid session's hold (HELD -> CANCELLED): what scheduling.holds and the booking
services share (the services release an owner's stale holds under the owner's lock before any
write, so the database's no-overlap guard never meets one)."""
import functools
from datetime import datetime

from django.db import connection
from django.utils.translation import gettext_noop

from scheduling import signals
from scheduling.models import BookedBy, Booking, BookingStatus

RELEASED_REASON = gettext_noop("The payment was not completed; the time was released.")


def hold_release(booking: Booking, *, now: datetime, reason: str = RELEASED_REASON) -> bool:
    """HELD -> CANCELLED on a locked booking (saved, so cached pages see the time free again)."""
    if booking.status != BookingStatus.HELD:
        return False
    booking.status = BookingStatus.CANCELLED
    booking.hold_expires_at = None
    booking.cancelled_at = now
    booking.cancelled_by = BookedBy.CLIENT
    booking.cancel_reason = reason
    booking.save(update_fields=["status", "hold_expires_at", "cancelled_at", "cancelled_by", "cancel_reason",
                                "updated_at"])
    signals.booking_hold_released.send(sender=Booking, booking=booking, now=now, reason=reason)
    return True


@functools.cache
def _any_expired_sql() -> str:
    def column(name: str) -> str:
        return connection.ops.quote_name(Booking._meta.get_field(name).column)

    # The status is written into the text, not passed: PostgreSQL then reads the held bookings'
    # partial index (Booking.Meta, "booking_held_expiry") even in the generic plan it keeps for the
    # prepared statement that carries this (leadmonk.prepared). With the status a parameter, that
    # plan walked every booking in the table (it expected a held one among the first few rows):
    # 8 ms a booking beside an owner of 50,000 bookings (docs/performance.md, issue 32).
    return (f"SELECT 1 FROM {connection.ops.quote_name(Booking._meta.db_table)} WHERE {column('owner')} = %s "
            f"AND {column('status')} = '{BookingStatus.HELD.value}' AND {column('hold_expires_at')} <= %s LIMIT 1")


def any_expired_hold_sql() -> str:
    """Whether the owner has a hold past its time, as a SELECT to read as `EXISTS (…)` along with
    another row under the owner's lock (booking_create reads it with the meeting type: one round
    trip less), with the parameters `expired_hold_params(owner_id, now)`; pass what it read to
    release_expired_holds_of_owner as `any_expired`."""
    return _any_expired_sql()


def expired_hold_params(owner_id: int, now: datetime) -> list:
    return [owner_id, connection.ops.adapt_datetimefield_value(now)]


def release_expired_holds_of_owner(*, owner_id: int, now: datetime, any_expired: bool | None = None) -> int:
    """Release the owner's holds past their time; the caller holds the owner's lock. `any_expired`:
    what any_expired_hold read after that lock (None: ask here)."""
    if any_expired is None:
        # Every booking asks, and an owner rarely has a hold past its time: a plain SELECT says so (the
        # ORM's locking read below took as much CPU to build as the rest of the booking's checks).
        with connection.cursor() as cursor:
            cursor.execute(_any_expired_sql(), expired_hold_params(owner_id, now))
            any_expired = cursor.fetchone() is not None
    if not any_expired:
        return 0
    released = 0
    for booking in Booking.objects.select_for_update().filter(
        owner_id=owner_id, status=BookingStatus.HELD, hold_expires_at__lte=now
    ):
        released += hold_release(booking, now=now)
    return released
