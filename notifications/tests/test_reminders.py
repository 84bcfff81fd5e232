"""The reminder outbox: rows written with the booking, moved on reschedule, dropped on cancel,
sent once when due by the dispatcher, retried on failure, never sent after the session began."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from accounts.plans import Plan
from notifications import sms
from notifications.dispatch import REMINDER_MAX_ATTEMPTS, reminders_claim_due, reminders_dispatch_due
from notifications.models import Channel, Message, MessageKind, MessageStatus, Reminder, ReminderStatus, SmsOptOut
from notifications.services import reminders_schedule
from notifications.tasks import dispatch_due_reminders
from notifications.tests.conftest import SESSION_START, make_booking
from scheduling.models import BookedBy, Booking
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from tests import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _book(meeting_type, *, start=SESSION_START, phone="+15551230001"):
    return booking_create(
        meeting_type=meeting_type, start=start, client_name="Dana Client", client_email="dana@example.com",
        client_phone=phone, client_timezone="Europe/Berlin",
    )


def _reminders(booking):
    return sorted(
        (r.channel, r.offset_minutes, r.due_at, r.status) for r in Reminder.objects.filter(booking=booking)
    )


def _reminder_emails():
    return [m for m in mail.outbox if m.subject.startswith("Reminder:")]


def test_a_booking_gets_its_reminders_in_the_same_transaction(coaching, clock):
    booking = _book(coaching)
    assert _reminders(booking) == [
        (Channel.EMAIL, 60, SESSION_START - timedelta(hours=1), ReminderStatus.PENDING),
        (Channel.EMAIL, 1440, SESSION_START - timedelta(days=1), ReminderStatus.PENDING),
        (Channel.SMS, 60, SESSION_START - timedelta(hours=1), ReminderStatus.PENDING),
    ]


def test_no_sms_reminder_without_a_mobile_number(coaching, clock):
    booking = _book(coaching, phone="")
    assert {r.channel for r in Reminder.objects.filter(booking=booking)} == {Channel.EMAIL}


def test_no_sms_reminder_when_the_meeting_type_has_sms_reminders_off(coaching, clock):
    coaching.sms_reminders_enabled = False
    coaching.save()
    booking = _book(coaching)
    assert {r.channel for r in Reminder.objects.filter(booking=booking)} == {Channel.EMAIL}


def test_no_sms_reminder_on_the_free_plan_though_the_setting_is_on(coaching, clock):
    """SMS reminders are a Pro feature (the pricing page says so): a Free owner's clients get the
    email reminders only, and the setting is kept for when the owner upgrades."""
    coaching.owner.plan = Plan.FREE
    coaching.owner.save()
    booking = _book(coaching)
    assert {r.channel for r in Reminder.objects.filter(booking=booking)} == {Channel.EMAIL}
    coaching.refresh_from_db()
    assert coaching.sms_reminders_enabled

    coaching.owner.plan = Plan.PRO
    coaching.owner.save()
    later = _book(coaching, start=SESSION_START + timedelta(hours=2))
    assert (Channel.SMS, 60) in {(r.channel, r.offset_minutes) for r in Reminder.objects.filter(booking=later)}


def test_no_email_reminder_when_the_meeting_type_has_email_reminders_off(coaching, clock):
    coaching.email_reminders_enabled = False
    coaching.save()
    booking = _book(coaching)
    assert {r.channel for r in Reminder.objects.filter(booking=booking)} == {Channel.SMS}


def test_no_sms_reminder_to_a_number_that_opted_out(coaching, clock):
    SmsOptOut.objects.create(phone="+15551230001", source="stop-reply")
    booking = _book(coaching)
    assert {r.channel for r in Reminder.objects.filter(booking=booking)} == {Channel.EMAIL}


def test_reminders_already_past_at_booking_time_are_skipped(coaching, clock):
    booking = make_booking(coaching, start=NOW + timedelta(hours=3))
    reminders_schedule(booking=booking)
    assert [(r[0], r[1]) for r in _reminders(booking)] == [(Channel.EMAIL, 60), (Channel.SMS, 60)]


def test_reminders_are_sent_when_due_and_only_once(coaching, clock):
    booking = _book(coaching)
    mail.outbox.clear()

    clock.move_to(SESSION_START - timedelta(days=1, minutes=1))
    dispatch_due_reminders.delay()
    assert _reminder_emails() == [] and sms.outbox == []

    clock.move_to(SESSION_START - timedelta(days=1))
    dispatch_due_reminders.delay()
    dispatch_due_reminders.delay()
    [day_before] = _reminder_emails()
    assert day_before.to == ["dana@example.com"]
    assert day_before.subject == "Reminder: Coaching session with Casey Coach"
    assert "Monday, 7 December 2026, 4:00 PM – 4:50 PM (Europe/Berlin)" in day_before.body
    assert f"/bookings/{booking.token}/" in day_before.body
    assert sms.outbox == []

    clock.move_to(SESSION_START - timedelta(minutes=59))
    dispatch_due_reminders.delay()
    dispatch_due_reminders.delay()
    assert len(_reminder_emails()) == 2
    [text] = sms.outbox
    assert text.to == "+15551230001"
    assert "Coaching session with Casey Coach" in text.body and f"/bookings/{booking.token}/" in text.body
    assert text.validity_period == 59 * 60
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    log = Message.objects.filter(booking=booking, kind=MessageKind.REMINDER)
    assert sorted((m.channel, m.status) for m in log) == [
        (Channel.EMAIL, MessageStatus.SENT), (Channel.EMAIL, MessageStatus.SENT), (Channel.SMS, MessageStatus.SENT)
    ]


def test_a_reschedule_moves_the_reminders(coaching, clock):
    booking = _book(coaching)
    clock.move_to(SESSION_START - timedelta(days=1))
    dispatch_due_reminders.delay()  # the day-before reminder for the old time goes out
    assert len(_reminder_emails()) == 1

    new_start = SESSION_START + timedelta(days=1, hours=1)
    booking_reschedule(booking=booking, new_start=new_start)
    assert _reminders(booking) == [
        (Channel.EMAIL, 60, new_start - timedelta(hours=1), ReminderStatus.PENDING),
        (Channel.EMAIL, 1440, new_start - timedelta(days=1), ReminderStatus.PENDING),
        (Channel.SMS, 60, new_start - timedelta(hours=1), ReminderStatus.PENDING),
    ]

    # Nothing goes out at the old times...
    clock.move_to(SESSION_START - timedelta(minutes=59))
    dispatch_due_reminders.delay()
    assert len(_reminder_emails()) == 1 and sms.outbox == []

    # ...and the reminders for the new time do, the day-before one included.
    clock.move_to(new_start - timedelta(days=1))
    dispatch_due_reminders.delay()
    assert len(_reminder_emails()) == 2
    assert "Tuesday, 8 December 2026, 5:00 PM" in _reminder_emails()[-1].body
    clock.move_to(new_start - timedelta(minutes=30))
    dispatch_due_reminders.delay()
    assert len(_reminder_emails()) == 3 and len(sms.outbox) == 1


def test_a_reschedule_to_short_notice_drops_reminders_whose_time_has_passed(coaching, clock):
    booking = _book(coaching)
    booking_reschedule(booking=booking, new_start=NOW + timedelta(hours=3))
    assert [(r[0], r[1], r[3]) for r in _reminders(booking)] == [
        (Channel.EMAIL, 60, ReminderStatus.PENDING),
        (Channel.EMAIL, 1440, ReminderStatus.DROPPED),
        (Channel.SMS, 60, ReminderStatus.PENDING),
    ]


def test_a_cancel_drops_the_reminders(coaching, clock):
    booking = _book(coaching)
    booking_cancel(booking=booking)
    assert {r[3] for r in _reminders(booking)} == {ReminderStatus.DROPPED}
    mail.outbox.clear()

    for step in (SESSION_START - timedelta(days=1), SESSION_START - timedelta(minutes=30)):
        clock.move_to(step)
        dispatch_due_reminders.delay()
    assert _reminder_emails() == [] and sms.outbox == []


def test_a_reminder_that_came_due_while_no_worker_ran_is_still_sent(coaching, clock):
    _book(coaching, phone="")
    clock.move_to(SESSION_START - timedelta(hours=5))  # the day-before reminder is 19 hours late
    dispatch_due_reminders.delay()
    assert len(_reminder_emails()) == 1


def test_a_reminder_is_not_sent_once_the_session_has_begun(coaching, clock):
    booking = _book(coaching)
    clock.move_to(SESSION_START + timedelta(minutes=1))
    result = reminders_dispatch_due()
    assert (result.sent, result.dropped) == (0, 3)
    assert _reminder_emails() == [] and sms.outbox == []
    assert {r[3] for r in _reminders(booking)} == {ReminderStatus.DROPPED}


def test_a_claimed_reminder_whose_session_begins_before_sending_is_dropped(coaching, clock):
    from notifications.dispatch import reminder_send_claimed

    _book(coaching, phone="")
    clock.move_to(SESSION_START - timedelta(minutes=30))
    claimed, _ = reminders_claim_due()
    assert len(claimed) == 2
    clock.move_to(SESSION_START)
    assert [reminder_send_claimed(reminder=r) for r in claimed] == ["dropped", "dropped"]
    assert _reminder_emails() == []


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(coaching, clock, settings):
    booking = _book(coaching, phone="")
    Reminder.objects.filter(booking=booking, offset_minutes=60).delete()
    settings.EMAIL_BACKEND = "notifications.tests.test_reminders.BrokenBackend"
    now = SESSION_START - timedelta(days=1)
    clock.move_to(now)

    for attempt, wait in zip(range(1, REMINDER_MAX_ATTEMPTS), (1, 5, 15, 60), strict=True):
        assert reminders_dispatch_due().retried == 1
        reminder = Reminder.objects.get(booking=booking)
        assert (reminder.status, reminder.attempts) == (ReminderStatus.PENDING, attempt)
        assert reminder.next_attempt_at == now + timedelta(minutes=wait)
        assert "SMTP server unreachable" in reminder.last_error
        # Not taken again before its backoff is over.
        clock.move_to(reminder.next_attempt_at - timedelta(seconds=1))
        assert reminders_dispatch_due().retried == 0
        now = reminder.next_attempt_at
        clock.move_to(now)

    assert reminders_dispatch_due().failed == 1
    reminder = Reminder.objects.get(booking=booking)
    assert (reminder.status, reminder.attempts) == (ReminderStatus.FAILED, REMINDER_MAX_ATTEMPTS)
    [message] = Message.objects.filter(reminder=reminder)
    assert message.status == MessageStatus.FAILED and message.attempts == REMINDER_MAX_ATTEMPTS
    clock.move_to(now + timedelta(hours=2))
    assert reminders_dispatch_due().failed == 0


def test_a_retried_reminder_is_sent_when_the_provider_recovers(coaching, clock, settings):
    booking = _book(coaching, phone="")
    Reminder.objects.filter(booking=booking, offset_minutes=60).delete()
    clock.move_to(SESSION_START - timedelta(days=1))
    settings.EMAIL_BACKEND = "notifications.tests.test_reminders.BrokenBackend"
    reminders_dispatch_due()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(timedelta(minutes=1))
    assert reminders_dispatch_due().sent == 1
    [message] = Message.objects.filter(kind=MessageKind.REMINDER)  # one log row for the whole send
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(_reminder_emails()) == 1


def test_a_claim_not_completed_is_taken_again_after_the_timeout(coaching, clock):
    booking = _book(coaching, phone="")
    clock.move_to(SESSION_START - timedelta(days=1))
    claimed, _ = reminders_claim_due()  # this dispatcher dies before sending
    assert len(claimed) == 1

    clock.shift(timedelta(minutes=4))
    assert reminders_dispatch_due().sent == 0  # still claimed
    clock.shift(timedelta(minutes=2))
    assert reminders_dispatch_due().sent == 1
    assert len(_reminder_emails()) == 1
    reminder = Reminder.objects.get(booking=booking, offset_minutes=1440)
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENT, 2)


def test_the_dead_dispatcher_cannot_mark_a_reminder_taken_over_by_another(coaching, clock):
    from notifications.dispatch import reminder_send_claimed

    _book(coaching, phone="")
    clock.move_to(SESSION_START - timedelta(days=1))
    [stale] = reminders_claim_due()[0]
    clock.shift(timedelta(minutes=6))
    assert reminders_dispatch_due().sent == 1
    # The first dispatcher wakes up: its claim is gone, so it neither sends nor records anything.
    reminder_send_claimed(reminder=stale)
    assert len(_reminder_emails()) == 1
    assert Reminder.objects.get(pk=stale.pk).status == ReminderStatus.SENT


def test_a_reminder_moved_while_claimed_is_not_sent_for_the_old_time(coaching, clock):
    from notifications.dispatch import reminder_send_claimed

    booking = _book(coaching, phone="")
    clock.move_to(SESSION_START - timedelta(days=1))
    claimed, _ = reminders_claim_due()
    new_start = SESSION_START + timedelta(days=2)
    booking_reschedule(booking=booking, new_start=new_start)
    for reminder in claimed:
        reminder_send_claimed(reminder=reminder)
    assert _reminder_emails() == []
    reminder = Reminder.objects.get(booking=booking, offset_minutes=1440)
    assert (reminder.status, reminder.due_at) == (ReminderStatus.PENDING, new_start - timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_booking_sends_nothing(coaching):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(RuntimeError), transaction.atomic():
            _book(coaching)
            assert Reminder.objects.count() == 3
            raise RuntimeError("something after the booking failed")
        assert not Booking.objects.exists()
        assert not Reminder.objects.exists()
        assert not Message.objects.exists()
        assert mail.outbox == []

        _book(coaching)  # and a committed one does send
        assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.com", "owner@example.com"]


def test_booking_confirmation_goes_out_on_commit_of_booking_create(coaching, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(coaching)
    assert {m.to[0] for m in mail.outbox} == {"dana@example.com", "owner@example.com"}
    assert Message.objects.filter(booking=booking, status=MessageStatus.SENT).count() == 2


def test_owner_booking_on_behalf_uses_the_same_hooks(coaching, clock):
    booking = booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana", client_email="d@example.com",
                             booked_by=BookedBy.OWNER)
    assert Reminder.objects.filter(booking=booking).count() == 2
