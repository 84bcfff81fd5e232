"""The reminder outbox dispatcher: claim due reminder rows, send each, record the outcome.

Like healthchecks' sendalerts, due work lives in rows. A short transaction claims a batch with
SELECT ... FOR UPDATE SKIP LOCKED (PostgreSQL) and a conditional UPDATE that only takes rows that
are still claimable (the claim on SQLite, where FOR UPDATE is ignored), stamping each with this
dispatcher's claim token. Sending happens after that transaction, and "sent" is recorded only
WHERE claim_token = ours: a row moved or dropped meanwhile (reschedule, cancel) or taken over after
the claim timeout is not overwritten. A dispatcher that dies between claim and send loses nothing:
its claims expire after REMINDER_CLAIM_TIMEOUT and are taken again.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from notifications import sms
from notifications.emails import build_email, build_sms_reminder
from notifications.models import (
    Audience,
    Channel,
    Message,
    MessageKind,
    MessageStatus,
    Reminder,
    ReminderStatus,
)
from notifications.selectors import phone_opted_out
from notifications.sms_services import sms_early_statuses_apply, sms_opt_out_record
from scheduling.models import BookingStatus

logger = logging.getLogger(__name__)

REMINDER_CLAIM_TIMEOUT = timedelta(minutes=5)
REMINDER_MAX_ATTEMPTS = 5
# Wait before the next try after the 1st, 2nd, 3rd... failed attempt.
REMINDER_BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 60)]
CLAIM_BATCH_SIZE = 50


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _claimable_q(now: datetime) -> Q:
    due = Q(status=ReminderStatus.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=ReminderStatus.CLAIMED, claimed_at__lt=now - REMINDER_CLAIM_TIMEOUT)
    return due | abandoned


def reminders_claim_due(*, now: datetime | None = None, limit: int = CLAIM_BATCH_SIZE) -> tuple[list[Reminder], int]:
    """Claim up to `limit` due reminders whose session has not begun. Returns (claimed, dropped)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        # A reminder whose session has begun (or whose booking is no longer confirmed) is dropped:
        # a reminder after the fact is worse than none.
        # Rows are locked (skipping others' locks) before the update, so two dispatchers never
        # wait on each other's rows in opposite orders.
        late_ids = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_claimable_q(now))
            .filter(Q(booking__start__lte=now) | ~Q(booking__status=BookingStatus.CONFIRMED))
            .values_list("id", flat=True)[:500]
        )
        dropped = 0
        if late_ids:
            dropped = Reminder.objects.filter(_claimable_q(now), id__in=late_ids).update(
                status=ReminderStatus.DROPPED, claim_token=None, last_error="Not sent: the session had already begun."
            )
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_claimable_q(now), booking__start__gt=now, booking__status=BookingStatus.CONFIRMED)
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            # The conditional re-check is the claim on SQLite (FOR UPDATE is ignored there): of two
            # dispatchers only the first to write finds the row still claimable.
            Reminder.objects.filter(_claimable_q(now), id__in=ids).update(
                status=ReminderStatus.CLAIMED, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
            )
    claimed = list(
        Reminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED)
        .select_related("booking__owner", "booking__meeting_type", "booking__order_item__order")
        .order_by("due_at", "id")
    )
    return claimed, dropped


def reminders_dispatch_due(*, max_batches: int = 20) -> DispatchResult:
    """Claim and send due reminders, a batch at a time, until none is left (or max_batches)."""
    result = DispatchResult()
    for _ in range(max_batches):
        claimed, dropped = reminders_claim_due()
        result.dropped += dropped
        if not claimed:
            break
        for reminder in claimed:
            result.add(reminder_send_claimed(reminder=reminder))
    return result


def _message_for(reminder: Reminder) -> Message:
    """The log row of this reminder's current send (kept across retries of the same send)."""
    booking = reminder.booking
    message = reminder.messages.filter(status=MessageStatus.PENDING).order_by("-id").first()
    if message is None:
        recipient = booking.client_email if reminder.channel == Channel.EMAIL else booking.client_phone
        message = Message.objects.create(
            booking=booking, reminder=reminder, kind=MessageKind.REMINDER, audience=Audience.CLIENT,
            channel=reminder.channel, recipient=recipient,
        )
    message.booking = booking  # reuse the joined rows for rendering
    return message


def reminder_send_claimed(*, reminder: Reminder) -> str:
    """Send one claimed reminder (outside any transaction) and record the outcome on the claim.

    Returns "sent", "retried", "failed" or "dropped".
    """
    booking = reminder.booking
    mine = Reminder.objects.filter(pk=reminder.pk, claim_token=reminder.claim_token, status=ReminderStatus.CLAIMED)
    if not mine.exists():
        # Our claim was taken over (we were slower than the claim timeout) or the reminder was
        # moved or dropped since the claim: whoever holds it now decides.
        return "dropped"
    now = timezone.now()
    if booking.status != BookingStatus.CONFIRMED or booking.start <= now:
        mine.update(status=ReminderStatus.DROPPED, last_error="Not sent: the session had already begun.")
        return "dropped"
    if reminder.channel == Channel.SMS:
        if phone_opted_out(booking.client_phone):
            mine.update(status=ReminderStatus.DROPPED, last_error="Not sent: the number opted out of texts.")
            return "dropped"

    message = _message_for(reminder)
    Message.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
    try:
        if reminder.channel == Channel.EMAIL:
            build_email(message).send()
            provider_id = ""
        else:
            provider_id = sms.send_sms(
                to=booking.client_phone,
                body=build_sms_reminder(message),
                # Twilio drops the text if it is still queued when the session starts.
                validity_period=int((booking.start - now).total_seconds()),
                status_callback=sms_status_callback_url(),
            )
    except sms.SmsOptedOut as error:
        sms_opt_out_record(phone=booking.client_phone, source="twilio-21610")
        _fail_message(message, str(error))
        mine.update(status=ReminderStatus.DROPPED, last_error=str(error))
        return "dropped"
    except sms.SmsError as error:
        if error.permanent:
            _fail_message(message, str(error))
            mine.update(status=ReminderStatus.FAILED, last_error=str(error)[:2000])
            return "failed"
        return _retry_or_fail(reminder, mine, message, error)
    except Exception as error:  # email backend errors (SMTP, network): try again later
        return _retry_or_fail(reminder, mine, message, error)

    sent_at = timezone.now()
    Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
        status=MessageStatus.SENT, provider_id=provider_id, sent_at=sent_at, error=""
    )
    # Twilio may have called back with this SID before we had it (delivered while we waited for
    # its answer): that status was kept, and lands now.
    sms_early_statuses_apply(sid=provider_id)
    if not mine.update(status=ReminderStatus.SENT, sent_at=sent_at, last_error=""):
        # Moved or dropped while we were sending (reschedule, cancel, claim taken over).
        logger.info("Reminder %s changed while it was being sent; its new state stands", reminder.pk)
    return "sent"


def _fail_message(message: Message, error: str) -> None:
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, error=error[:2000])


def _retry_or_fail(reminder: Reminder, mine, message: Message, error: Exception) -> str:
    logger.warning("Reminder %s failed (attempt %s): %s", reminder.pk, reminder.attempts, error)
    if reminder.attempts >= REMINDER_MAX_ATTEMPTS:
        _fail_message(message, str(error))
        mine.update(status=ReminderStatus.FAILED, last_error=str(error)[:2000])
        return "failed"
    backoff = REMINDER_BACKOFF[min(reminder.attempts, len(REMINDER_BACKOFF)) - 1]
    Message.objects.filter(pk=message.pk).update(error=str(error)[:2000])
    mine.update(
        status=ReminderStatus.PENDING, claimed_at=None, claim_token=None,
        next_attempt_at=timezone.now() + backoff, last_error=str(error)[:2000],
    )
    return "retried"


def sms_status_callback_url() -> str:
    return settings.SITE_URL + reverse("notifications:twilio_status")
