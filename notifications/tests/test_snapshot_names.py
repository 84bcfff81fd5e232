"""A package session is called by the name its order was sold with (the order's snapshot) in every
email, reminder, SMS and calendar file, as the order page does, even after the meeting type is
renamed. A direct booking keeps the meeting type's own name."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from notifications import services, sms
from notifications.tasks import dispatch_due_reminders
from notifications.tests.conftest import SESSION_START, make_booking, make_dana_order
from tests import NOW

pytestmark = pytest.mark.django_db

SOLD_AS = "Coaching session"
RENAMED = "Executive coaching (new)"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def package_booking(owner, coaching):
    order = make_dana_order(owner, coaching)
    booking = make_booking(coaching, order_item=order.items.get())
    coaching.name = RENAMED
    coaching.save(update_fields=["name"])
    return booking


def test_booking_emails_and_their_calendar_file_use_the_sold_name(package_booking, clock,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=package_booking)
    client_email = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    assert client_email.subject == f"Confirmed: {SOLD_AS} with Casey Coach"
    assert f"What:  {SOLD_AS} (50 min)" in client_email.body
    assert SOLD_AS in client_email.alternatives[0][0]
    [(_, content, _)] = client_email.attachments
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{SOLD_AS} with Casey Coach"
    for email in mail.outbox:
        assert RENAMED not in email.subject + email.body + email.alternatives[0][0]


def test_reminders_and_sms_use_the_sold_name(package_booking, clock):
    services.reminders_schedule(booking=package_booking)
    clock.move_to(SESSION_START - timedelta(minutes=59))
    dispatch_due_reminders.delay()
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder:")]
    assert reminders and all(m.subject == f"Reminder: {SOLD_AS} with Casey Coach" for m in reminders)
    assert all(RENAMED not in m.body for m in reminders)
    [text] = sms.outbox
    assert f"Reminder: {SOLD_AS} with Casey Coach" in text.body


def test_a_direct_booking_uses_the_meeting_types_current_name(coaching, clock, django_capture_on_commit_callbacks):
    coaching.name = RENAMED
    coaching.save(update_fields=["name"])
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)
    assert mail.outbox[0].subject == f"Confirmed: {RENAMED} with Casey Coach"
