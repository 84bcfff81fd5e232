"""Each transactional email: who gets it, what it says (in the recipient's zone), its .ics."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from notifications import delivery, services, tasks
from notifications.models import Message, MessageKind, MessageStatus
from notifications.tests.conftest import SESSION_START, make_booking, make_dana_order
from orders.models import OrderStatus
from tests import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _ics(email) -> Calendar:
    [(filename, content, mimetype)] = email.attachments
    assert filename == "invite.ics"
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def _event(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def _html(email) -> str:
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return html


def test_booking_confirmed_email_to_client_in_client_zone_with_calendar_invite(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)

    client_email = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    assert client_email.subject == "Confirmed: Coaching session with Casey Coach"
    # 15:00 UTC is 16:00 in Berlin (CET) on 7 December.
    assert "Monday, 7 December 2026, 4:00 PM – 4:50 PM (Europe/Berlin)" in client_email.body
    assert "Monday, 7 December 2026, 4:00 PM – 4:50 PM (Europe/Berlin)" in _html(client_email)
    assert f"http://127.0.0.1:8000/bookings/{booking.token}/" in client_email.body
    assert f"http://127.0.0.1:8000/bookings/{booking.token}/" in _html(client_email)
    assert "https://meet.example.com/casey" in client_email.body
    assert client_email.reply_to == ["owner@example.com"]

    calendar = _ics(client_email)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = _event(calendar)
    assert str(event["UID"]) == f"booking-{booking.pk}@127.0.0.1"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == SESSION_START
    assert event.decoded("DTEND") == SESSION_START + timedelta(minutes=50)
    assert event.decoded("DTSTART").tzinfo is not None and event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["ORGANIZER"]) == "mailto:owner@example.com"
    assert str(event["ATTENDEE"]) == "mailto:dana@example.com"
    assert "https://meet.example.com/casey" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"


def test_booking_confirmed_notice_to_owner_in_owner_zone(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)

    owner_email = next(m for m in mail.outbox if m.to == ["owner@example.com"])
    assert owner_email.subject == "Confirmed: Coaching session with Dana Client"
    assert "Monday, 7 December 2026, 10:00 AM – 10:50 AM (America/New_York)" in owner_email.body
    assert "dana@example.com" in owner_email.body
    assert owner_email.reply_to == ["dana@example.com"]
    assert _event(_ics(owner_email))["UID"] == f"booking-{booking.pk}@127.0.0.1"


def test_each_email_is_logged_as_sent(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)

    log = list(Message.objects.filter(booking=booking).order_by("audience"))
    assert [(m.audience, m.recipient, m.status, m.kind) for m in log] == [
        ("client", "dana@example.com", MessageStatus.SENT, MessageKind.BOOKING_CONFIRMED),
        ("owner", "owner@example.com", MessageStatus.SENT, MessageKind.BOOKING_CONFIRMED),
    ]
    assert all(m.sent_at == NOW for m in log)


def test_reschedule_email_keeps_the_uid_and_raises_the_sequence(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)
    first_uid = _event(_ics(mail.outbox[0]))["UID"]
    mail.outbox.clear()

    previous_start = booking.start
    booking.start += timedelta(days=1)
    booking.end += timedelta(days=1)
    booking.sequence += 1
    booking.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_rescheduled(booking=booking, previous_start=previous_start)

    client_email = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    assert client_email.subject == "Rescheduled: Coaching session with Casey Coach"
    assert "Tuesday, 8 December 2026, 4:00 PM – 4:50 PM (Europe/Berlin)" in client_email.body
    assert "Monday, 7 December 2026, 4:00 PM (Europe/Berlin)" in client_email.body  # the old time
    calendar = _ics(client_email)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = _event(calendar)
    assert event["UID"] == first_uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == SESSION_START + timedelta(days=1)
    assert any(m.to == ["owner@example.com"] for m in mail.outbox)


def test_cancel_email_cancels_the_calendar_event(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching, sequence=2)
    booking.status = "cancelled"
    booking.cancel_reason = "Feeling unwell"
    booking.cancelled_by = "client"
    booking.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_cancelled(booking=booking)

    client_email = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    assert client_email.subject == "Cancelled: Coaching session with Casey Coach"
    assert "Feeling unwell" in client_email.body
    calendar = _ics(client_email)
    assert str(calendar["METHOD"]) == "CANCEL"
    event = _event(calendar)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"booking-{booking.pk}@127.0.0.1"
    assert int(event["SEQUENCE"]) == 2
    owner_email = next(m for m in mail.outbox if m.to == ["owner@example.com"])
    assert "cancelled by the client" in owner_email.body


def test_owner_with_notices_off_gets_nothing(owner, coaching, django_capture_on_commit_callbacks):
    owner.notify_owner_by_email = False
    owner.save()
    booking = make_booking(coaching)
    order = make_dana_order(owner, coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)
        services.notify_order_confirmed(order=order)

    assert [m.to for m in mail.outbox] == [["dana@example.com"], ["dana@example.com"]]
    assert not Message.objects.filter(audience="owner").exists()


def test_order_confirmation_has_the_order_link_and_a_receipt(owner, coaching, django_capture_on_commit_callbacks):
    order = make_dana_order(owner, coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_order_confirmed(order=order)

    client_email = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    assert client_email.subject == "Your order: Ten-week coaching"
    for part in (client_email.body, _html(client_email)):
        assert f"http://127.0.0.1:8000/orders/{order.token}/" in part
        assert "Coaching session (50 min)" in part
        assert "3 sessions" in part
        assert "1,250.00 USD" in part
        # Paid 11:30 UTC = 12:30 in Berlin.
        assert "Tuesday, 1 December 2026, 12:30 PM (Europe/Berlin)" in part
    assert client_email.attachments == []


def test_new_order_notice_goes_to_the_owner(owner, coaching, django_capture_on_commit_callbacks):
    order = make_dana_order(owner, coaching, client_phone="+15551230001")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_order_confirmed(order=order)

    owner_email = next(m for m in mail.outbox if m.to == ["owner@example.com"])
    assert owner_email.subject == "New order: Ten-week coaching from Dana Client"
    assert "dana@example.com" in owner_email.body and "+15551230001" in owner_email.body
    assert "1,250.00 USD" in owner_email.body
    assert "Tuesday, 1 December 2026, 6:30 AM (America/New_York)" in owner_email.body
    assert Message.objects.get(audience="owner").kind == MessageKind.ORDER_NEW


@pytest.mark.parametrize(
    ("status", "subject", "words"),
    [
        (OrderStatus.CANCELLED, "Your order was cancelled: Ten-week coaching", "was cancelled"),
        (OrderStatus.REFUNDED, "Your order was refunded: Ten-week coaching", "refunded: 1,250.00 USD"),
    ],
)
def test_order_cancelled_or_refunded_tells_the_client(owner, coaching, django_capture_on_commit_callbacks,
                                                      status, subject, words):
    order = make_dana_order(owner, coaching, status=status)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_order_cancelled(order=order)

    [email] = mail.outbox
    assert email.to == ["dana@example.com"]
    assert email.subject == subject
    assert words in email.body and words in _html(email)


def test_an_order_cancellation_lists_each_session_at_the_time_its_confirmation_gave(
        owner, coaching, django_capture_on_commit_callbacks):
    """Dana ordered in Berlin but booked her session while in Tokyo, in Tokyo time: the email that
    takes the session away says the time she was given for it, not the same session in Berlin time."""
    order = make_dana_order(owner, coaching)
    session = make_booking(coaching, order_item=order.items.get(), client_timezone="Asia/Tokyo")
    session.status = "cancelled"
    session.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_order_cancelled(order=order, cancelled_bookings=[session])

    [email] = mail.outbox
    # Monday 7 December, 10:00 in New York: Tuesday 8 December, 00:00 in Tokyo (Monday 16:00 in Berlin).
    assert "- Coaching session: Tuesday, 8 December 2026, 12:00 AM – 12:50 AM (Asia/Tokyo)" in email.body
    assert "4:00 PM" not in email.body and "4:00 PM" not in _html(email)


def test_nothing_is_sent_before_the_transaction_commits(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify_booking_confirmed(booking=booking)
    assert mail.outbox == []
    assert len(callbacks) == 1  # one task for the client's confirmation and the owner's notice
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.PENDING}


class BrokenBackend:
    """An email backend whose server is down."""

    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        BrokenBackend.calls += 1
        raise ConnectionRefusedError("SMTP server unreachable")


def test_a_failing_email_is_retried_then_marked_failed(coaching, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "notifications.tests.test_messages.BrokenBackend"
    BrokenBackend.calls = 0
    coaching.owner.notify_owner_by_email = False
    coaching.owner.save()
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=False):
        services.notify_booking_confirmed(booking=booking)
    message = Message.objects.get(booking=booking)

    # What the task's retries do: each try raises MessageSendError (autoretry_for) until the last.
    for attempt in range(1, delivery.MESSAGE_MAX_ATTEMPTS):
        with pytest.raises(delivery.MessageSendError):
            delivery.message_deliver(message_id=message.pk)
        message.refresh_from_db()
        assert (message.attempts, message.status) == (attempt, MessageStatus.PENDING)
    assert delivery.message_deliver(message_id=message.pk) is False

    message.refresh_from_db()
    assert BrokenBackend.calls == delivery.MESSAGE_MAX_ATTEMPTS
    assert message.attempts == delivery.MESSAGE_MAX_ATTEMPTS
    assert message.status == MessageStatus.FAILED
    assert "SMTP server unreachable" in message.error
    # A failed message is not taken again.
    assert delivery.message_deliver(message_id=message.pk) is False
    assert BrokenBackend.calls == delivery.MESSAGE_MAX_ATTEMPTS


def test_the_delivery_task_retries_with_backoff_a_bounded_number_of_times():
    from notifications.tasks import deliver_message

    assert deliver_message.autoretry_for == (delivery.MessageSendError,)
    assert deliver_message.max_retries == delivery.MESSAGE_MAX_ATTEMPTS
    assert deliver_message.retry_backoff


def test_a_broken_email_server_does_not_break_the_committed_write(coaching, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "notifications.tests.test_messages.BrokenBackend"
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)  # no exception reaches the caller
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.PENDING}


def test_a_message_already_sent_is_not_sent_again(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)
    sent = len(mail.outbox)
    for message in Message.objects.all():
        assert delivery.message_deliver(message_id=message.pk) is False
    assert len(mail.outbox) == sent


def test_a_message_whose_task_was_lost_is_queued_again_by_the_sweep(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching)
    with django_capture_on_commit_callbacks(execute=False):  # the broker never got the task
        services.notify_booking_confirmed(booking=booking)
    assert mail.outbox == []

    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        tasks.messages_requeue_stale()

    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.com", "owner@example.com"]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_an_invalid_client_time_zone_falls_back_to_utc(coaching, django_capture_on_commit_callbacks):
    booking = make_booking(coaching, client_timezone="Mars/Olympus")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_booking_confirmed(booking=booking)
    client_email = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    assert "Monday, 7 December 2026, 3:00 PM – 3:50 PM (UTC)" in client_email.body


def test_paid_at_missing_uses_the_order_date(owner, coaching, django_capture_on_commit_callbacks):
    order = make_dana_order(owner, coaching)
    order.paid_at = None
    order.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_order_confirmed(order=order)
    assert "Tuesday, 1 December 2026, 1:00 PM (Europe/Berlin)" in mail.outbox[0].body
    assert datetime(2026, 12, 1, 12, tzinfo=UTC) == order.created_at


def test_a_resent_order_confirmation_can_leave_the_owner_out(owner, coaching, django_capture_on_commit_callbacks):
    order = make_dana_order(owner, coaching)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_order_confirmed(order=order, owner_notice=False)
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]


def test_a_sign_in_link_sent_late_says_the_time_it_has_left_not_its_whole_life(django_capture_on_commit_callbacks):
    """The outbox may send late (the broker was down: the sweep sends it after 10 minutes): the email
    never promises more time than the link has."""
    with django_capture_on_commit_callbacks(execute=False):  # its task is lost
        services.notify_portal_sign_in(email="dana@example.com", link="https://book.example/my/sign-in/abc/",
                                       expires_at=NOW + timedelta(minutes=30))
    with time_machine.travel(NOW + timedelta(minutes=11, seconds=30), tick=False):
        tasks.messages_requeue_stale()

    [email] = mail.outbox
    assert "works once, for 18 minutes" in email.body and "30 minutes" not in email.body
    assert "18" in email.alternatives[0][0] and "30 minutes" not in email.alternatives[0][0]


def test_an_order_cancelled_before_it_was_paid_sends_no_receipt(owner, coaching, django_capture_on_commit_callbacks):
    order = make_dana_order(owner, coaching, status=OrderStatus.CANCELLED, paid_at=None, medium="stripe")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_order_cancelled(order=order)

    [email] = mail.outbox
    assert email.subject == "Your order was cancelled: Ten-week coaching"
    assert "Receipt" not in email.body and "1,250.00" not in email.body
    html = _html(email)
    assert "Receipt" not in html and "1,250.00" not in html
