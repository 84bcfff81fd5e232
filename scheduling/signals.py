"""What happened to a booking, for the apps above scheduling to react to (orders keeps its credit
ledger with them). Sent inside the booking's transaction, after its row is written and while the
owner's lock is held, so a receiver's writes commit or roll back with the booking."""
from django.dispatch import Signal

# sender=Booking, booking=<Booking>, by=<BookedBy>, now=<datetime>
booking_created = Signal()
booking_cancelled = Signal()
# sender=Booking, booking=<Booking>, previous=<Attendance>, by_user=<User | None>, now=<datetime>
attendance_marked = Signal()
# Asked (not told) before a client cancels: a receiver may answer with a sentence that warns what
# cancelling now costs (orders: a late cancel uses the package session). sender=Booking,
# booking=<Booking>, now=<datetime>.
cancel_warning = Signal()


def cancel_warning_for(booking, now) -> str:
    """The first warning a receiver gives about cancelling `booking` now, or ""."""
    for _receiver, answer in cancel_warning.send(sender=type(booking), booking=booking, now=now):
        if answer:
            return answer
    return ""
