"""The owner's view of a booking's messages: the include other pages embed, and its query budget."""
from datetime import timedelta

import pytest
from django.test import RequestFactory

from notifications.models import Channel, Message, MessageKind, MessageStatus, Reminder, ReminderStatus
from notifications.receivers import booking_page_message_log
from notifications.selectors import booking_message_log, with_message_log
from notifications.tests.conftest import SESSION_START, make_booking
from scheduling.models import Booking

pytestmark = pytest.mark.django_db


def _render(booking, owner):
    """The section notifications adds to the owner's booking page (its queries are the view's)."""
    request = RequestFactory().get("/dashboard/")
    request.user = owner
    return booking_page_message_log(request=request, booking=booking)


def _add_log(booking, count):
    for i in range(count):
        Message.objects.create(booking=booking, kind=MessageKind.BOOKING_CONFIRMED, recipient=f"r{i}@example.com",
                               status=MessageStatus.SENT, sent_at=SESSION_START - timedelta(days=3))
        Reminder.objects.create(booking=booking, channel=Channel.EMAIL, offset_minutes=60 * (i + 1),
                                due_at=SESSION_START - timedelta(hours=i + 1))


def test_the_owner_sees_each_message_and_its_status(owner, coaching):
    booking = make_booking(coaching)
    Message.objects.create(booking=booking, kind=MessageKind.BOOKING_CONFIRMED, recipient="dana@example.com",
                           status=MessageStatus.SENT, sent_at=SESSION_START - timedelta(days=3))
    Message.objects.create(booking=booking, kind=MessageKind.REMINDER, channel=Channel.SMS,
                           recipient="+15551230001", status=MessageStatus.FAILED, error="Twilio error 21211: Invalid")
    Reminder.objects.create(booking=booking, channel=Channel.EMAIL, offset_minutes=1440,
                            due_at=SESSION_START - timedelta(days=1))
    Reminder.objects.create(booking=booking, channel=Channel.SMS, offset_minutes=60,
                            due_at=SESSION_START - timedelta(hours=1), status=ReminderStatus.DROPPED,
                            last_error="Not sent: the number opted out of texts.")

    html = _render(booking, owner)

    assert "Booking confirmed" in html and "dana@example.com" in html and "Sent" in html
    assert "+15551230001" in html and "Failed" in html and "Twilio error 21211" in html
    assert "Email 1 day before" in html and "Pending" in html
    assert "6 Dec 2026, 10:00 AM" in html  # due a day before, New York time
    assert "SMS 1 hour before" in html and "opted out" in html
    # Shown in the owner's zone: 3 days before 15:00 UTC on 7 Dec is 10:00 New York on 4 Dec.
    assert "4 Dec 2026, 10:00 AM" in html
    assert "America/New York" in html


def test_a_booking_without_messages_shows_empty_states(owner, coaching):
    coaching.email_reminders_enabled = coaching.sms_reminders_enabled = False
    html = _render(make_booking(coaching), owner)
    assert "No messages sent for this booking yet." in html
    assert "No reminders for this booking" in html


@pytest.mark.parametrize("count", [1, 10])
def test_the_log_takes_two_queries_whatever_its_size(owner, coaching, count, django_assert_num_queries):
    booking = make_booking(coaching)
    _add_log(booking, count)
    with django_assert_num_queries(2):
        html = _render(booking, owner)
    assert html.count("r0@example.com") == 1


@pytest.mark.parametrize("count", [2, 8])
def test_a_list_of_bookings_prefetches_every_log_in_two_queries(owner, coaching, count, django_assert_num_queries):
    for i in range(count):
        _add_log(make_booking(coaching, start=SESSION_START + timedelta(days=i)), 2)
    with django_assert_num_queries(3):
        bookings = list(with_message_log(Booking.objects.filter(owner=owner)))
        logs = [booking_message_log(booking=booking) for booking in bookings]
    assert [len(log.messages) for log in logs] == [2] * count
