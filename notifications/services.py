"""The notifications API other apps call. Booking and order services call these inside their
transaction; reminder rows are written in that same transaction, and messages are queued with
transaction.on_commit so a rolled-back write sends nothing.

(Stub: the notifications issue fills these in. The signatures are the contract.)
"""
from datetime import datetime


def reminders_schedule(*, booking) -> None:
    """Create the reminder outbox rows of a new confirmed booking."""


def reminders_reschedule(*, booking) -> None:
    """Move the pending reminders of a booking whose start changed."""


def reminders_drop(*, booking) -> None:
    """Drop the pending reminders of a cancelled booking."""


def notify_booking_confirmed(*, booking) -> None:
    """Queue the 'booking confirmed' messages to client and owner (on commit)."""


def notify_booking_rescheduled(*, booking, previous_start: datetime) -> None:
    """Queue the 'booking rescheduled' messages to client and owner (on commit)."""


def notify_booking_cancelled(*, booking) -> None:
    """Queue the 'booking cancelled' messages to client and owner (on commit)."""


def notify_order_confirmed(*, order) -> None:
    """Queue the order confirmation (with receipt) to the client and the new-order notice to the owner."""


def notify_order_cancelled(*, order) -> None:
    """Queue the 'order cancelled' (or refunded) message to the client."""
