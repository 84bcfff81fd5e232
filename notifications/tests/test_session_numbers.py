""""Session 2 of 3": a session booked with package credits says which of its order item's
sessions it is (counted by start time) in the confirmation, the reschedule email, the email of a
set booked in one go and the email and SMS reminders. A direct booking says nothing of the kind."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from notifications import sms
from notifications.tasks import dispatch_due_reminders
from notifications.tests.conftest import SESSION_START, make_dana_order
from orders.services import order_session_book
from orders.session_sets import SessionChoice, order_sessions_book
from scheduling.models import BookedBy
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from tests import NOW

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def order(owner, coaching):
    return make_dana_order(owner, coaching, client_phone="+15551230001")


def book(order, start):
    return order_session_book(item=order.items.select_related("order").get(), start=start)


def client_emails(prefix):
    return [m for m in mail.outbox if m.to == ["dana@example.com"] and m.subject.startswith(prefix)]


def test_confirmations_say_which_session_of_the_package_it_is(order, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book(order, SESSION_START)
        book(order, SESSION_START + DAY)
    first, second = client_emails("Confirmed:")
    assert "Package: Ten-week coaching (Session 1 of 3)" in first.body
    assert "Package: Ten-week coaching (Session 2 of 3)" in second.body
    assert "<strong>Session 2 of 3</strong>" in second.alternatives[0][0]
    owner_copy = [m for m in mail.outbox if m.to == ["owner@example.com"]][-1]
    assert "(Session 2 of 3)" in owner_copy.body


def test_the_reschedule_email_numbers_the_session_by_its_new_time(order, clock, django_capture_on_commit_callbacks):
    first = book(order, SESSION_START)
    book(order, SESSION_START + DAY)
    with django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=first, new_start=SESSION_START + 2 * DAY)
    [email] = client_emails("Rescheduled:")
    assert "Package: Ten-week coaching (Session 2 of 3)" in email.body
    assert "Session 2 of 3" in email.alternatives[0][0]


def test_reminders_and_sms_count_the_sessions_in_the_order_they_take_place(order, clock):
    book(order, SESSION_START + 2 * DAY)  # booked first, but it is the later session
    book(order, SESSION_START)
    for start in (SESSION_START, SESSION_START + 2 * DAY):
        clock.move_to(start - timedelta(minutes=59))
        dispatch_due_reminders.delay()
    first = next(m for m in client_emails("Reminder:") if "When:  Monday, 7 December" in m.body)
    later = next(m for m in client_emails("Reminder:") if "When:  Wednesday, 9 December" in m.body)
    assert "Package: Ten-week coaching (Session 1 of 3)" in first.body
    assert "Package: Ten-week coaching (Session 2 of 3)" in later.body
    assert "Session 2 of 3" in later.alternatives[0][0]
    first_text, later_text = (text.body for text in sms.outbox)
    assert first_text.startswith("Reminder: Coaching session with Casey Coach (Session 1 of 3), Monday, 7 December")
    assert later_text.startswith("Reminder: Coaching session with Casey Coach (Session 2 of 3), Wednesday, 9 December")


def test_a_set_booked_in_one_go_numbers_each_session(order, clock, django_capture_on_commit_callbacks):
    item = order.items.select_related("order").get()
    with django_capture_on_commit_callbacks(execute=True):
        order_sessions_book(order=order, choices=[SessionChoice(item=item, start=SESSION_START + DAY),
                                                  SessionChoice(item=item, start=SESSION_START)])
    [email] = client_emails("Confirmed: 2 sessions")
    assert "- Coaching session (Session 1 of 3): Monday, 7 December" in email.body
    assert "- Coaching session (Session 2 of 3): Tuesday, 8 December" in email.body
    assert "(Session 2 of 3)" in email.alternatives[0][0]


def test_a_direct_booking_has_no_session_number(coaching, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                       client_email="dana@example.com", client_phone="+15551230001",
                       client_timezone="Europe/Berlin", booked_by=BookedBy.CLIENT)
    clock.move_to(SESSION_START - timedelta(minutes=59))
    dispatch_due_reminders.delay()
    assert client_emails("Confirmed:") and client_emails("Reminder:") and sms.outbox
    for email in mail.outbox:
        assert "Session 1 of" not in email.body + email.alternatives[0][0]
    assert all("Session" not in text.body for text in sms.outbox)


def test_a_late_cancel_that_used_its_session_keeps_its_number(owner, coaching, clock,
                                                              django_capture_on_commit_callbacks):
    order = make_dana_order(owner, coaching, client_phone="+15551230001", cancel_window_hours=24)
    first = book(order, SESSION_START)
    book(order, SESSION_START + DAY)
    clock.move_to(SESSION_START - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=first, by=BookedBy.CLIENT)
    [cancelled] = client_emails("Cancelled:")
    assert "Session 1 of" not in cancelled.body  # no longer a session to attend
    clock.move_to(SESSION_START + DAY - timedelta(minutes=59))
    dispatch_due_reminders.delay()
    reminder = next(m for m in client_emails("Reminder:") if "When:  Tuesday, 8 December" in m.body)
    assert "Package: Ten-week coaching (Session 2 of 3)" in reminder.body
