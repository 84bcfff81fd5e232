"""What happened to a booking, for the apps above scheduling to react to (orders keeps its credit
ledger with them). Sent inside the booking's transaction, after its row is written and while the
owner's lock is held, so a receiver's writes commit or roll back with the booking."""
from django.dispatch import Signal

# sender=Booking, booking=<Booking>, by=<BookedBy>, now=<datetime>
booking_created = Signal()
booking_cancelled = Signal()
