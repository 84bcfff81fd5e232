"""Reads for the owner's pages: a booking's messages and scheduled reminders."""
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from notifications.models import Message, Reminder, SmsOptOut


def phone_opted_out(phone: str) -> bool:
    return bool(phone) and SmsOptOut.objects.filter(phone=phone).exists()


@dataclass
class BookingMessageLog:
    messages: list[Message]
    reminders: list[Reminder]


def booking_message_log(*, booking) -> BookingMessageLog:
    """Every message of one booking (oldest first) and its reminders: two queries, whatever the count.

    Uses the rows prefetched by `with_message_log` when the booking came from such a queryset.
    """
    cache = getattr(booking, "_prefetched_objects_cache", {})
    messages = cache.get("messages")
    if messages is None:
        messages = Message.objects.filter(booking=booking).order_by("created_at", "id")
    reminders = cache.get("reminders")
    if reminders is None:
        reminders = Reminder.objects.filter(booking=booking).order_by("due_at", "id")
    return BookingMessageLog(messages=list(messages), reminders=list(reminders))


def with_message_log(bookings: QuerySet) -> QuerySet:
    """Prefetch the message log of every booking in `bookings` (two extra queries in all)."""
    return bookings.prefetch_related(
        Prefetch("messages", queryset=Message.objects.order_by("created_at", "id")),
        Prefetch("reminders", queryset=Reminder.objects.order_by("due_at", "id")),
    )
