"""Releasing a paid session's hold (HELD -> CANCELLED): what scheduling.holds and the booking
services share (the services release an owner's stale holds under the owner's lock before any
write, so the database's no-overlap guard never meets one)."""
from datetime import datetime

from scheduling import signals
from scheduling.models import BookedBy, Booking, BookingStatus

RELEASED_REASON = "The payment was not completed; the time was released."


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


def release_expired_holds_of_owner(*, owner_id: int, now: datetime) -> int:
    """Release the owner's holds past their time; the caller holds the owner's lock."""
    released = 0
    for booking in Booking.objects.select_for_update().filter(
        owner_id=owner_id, status=BookingStatus.HELD, hold_expires_at__lte=now
    ):
        released += hold_release(booking, now=now)
    return released
