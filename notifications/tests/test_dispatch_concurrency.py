"""Two dispatchers at once on PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED) send each due
reminder exactly once."""
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications.dispatch import reminders_dispatch_due
from notifications.models import Channel, Message, MessageKind, Reminder, ReminderStatus
from scheduling.models import Booking


class SlowBackend:
    """locmem, with the latency of a real mail server so the dispatchers overlap."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        time.sleep(0.002)
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_send_each_of_200_due_reminders_exactly_once(coaching, settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_dispatch_concurrency.SlowBackend"
    now = timezone.now()
    bookings = Booking.objects.bulk_create(
        Booking(owner=coaching.owner, meeting_type=coaching, start=now + timedelta(hours=2, minutes=30 * i),
                end=now + timedelta(hours=2, minutes=30 * i + 30), client_name=f"Client {i}",
                client_email=f"client{i}@example.com")
        for i in range(200)
    )
    Reminder.objects.bulk_create(
        Reminder(booking=booking, channel=Channel.EMAIL, offset_minutes=1440, due_at=now - timedelta(minutes=1))
        for booking in bookings
    )
    mail.outbox = []
    barrier = threading.Barrier(2)
    results, errors = [], []

    def dispatcher():
        try:
            barrier.wait()
            results.append(reminders_dispatch_due())
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(result.sent for result in results) == 200
    assert all(result.sent > 0 for result in results), "both dispatchers should have taken a share"
    recipients = [email.to[0] for email in mail.outbox]
    assert len(recipients) == 200
    assert len(set(recipients)) == 200
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 200
    assert Message.objects.filter(kind=MessageKind.REMINDER).count() == 200
