"""Delivery of transactional messages (one email per Message row), called by the Celery task.

A row is claimed with a conditional update before it is sent, so two deliveries of the same task
(a redelivery, the sweep) cannot both send it.
"""
import logging
import uuid
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from notifications import sms
from notifications.emails import MessageObsolete, build_email, build_waitlist_offer_sms
from notifications.models import Channel, Message, MessageStatus
from notifications.selectors import phone_opted_out
from notifications.sms_services import sms_early_statuses_apply

logger = logging.getLogger(__name__)

# A message claimed by a sender that has not finished after this long is taken again.
MESSAGE_CLAIM_TIMEOUT = timedelta(minutes=5)
MESSAGE_MAX_ATTEMPTS = 5
# Transactional messages still pending this long after they were written get queued again.
MESSAGE_SWEEP_AFTER = timedelta(minutes=10)
OPTED_OUT = "Not sent: the number opted out of texts."


class MessageSendError(Exception):
    """A transient failure: the task retries with backoff."""


def _claimable_message_q(now: datetime) -> Q:
    return Q(status=MessageStatus.PENDING) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - MESSAGE_CLAIM_TIMEOUT)
    )


def message_deliver(*, message_id: int) -> bool:
    """Send one pending transactional email. Returns True when this call sent it.

    The row is claimed first with a conditional update, so two deliveries of the same task (a
    redelivery, the sweep) cannot both send it. Raises MessageSendError on a transient failure
    while attempts remain; after MESSAGE_MAX_ATTEMPTS the message is marked failed.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimed = Message.objects.filter(_claimable_message_q(now), pk=message_id).update(
        claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    message = Message.objects.select_related(
        "booking__owner", "booking__meeting_type", "booking__order_item__order", "order__owner",
        "invitation__team", "invitation__invited_by",
    ).get(pk=message_id)
    mine = Message.objects.filter(pk=message_id, claim_token=token)
    if message.channel == Channel.SMS:
        return _deliver_text(message, mine)
    try:
        email = build_email(message)
    except MessageObsolete as reason:
        mine.update(status=MessageStatus.FAILED, error=str(reason), claimed_at=None, claim_token=None,
                    context=_without_secrets(message))
        return False
    # On one line: a subject holds names people typed (a client's, in a crafted post or through the
    # API, can hold a line break), and the mail library refuses a header with one: never sent.
    email.subject = " ".join(str(email.subject).split())
    try:
        email.send()
    except Exception as error:  # any backend error (SMTP, network) is worth another try
        logger.warning("Sending message %s failed (attempt %s): %s", message_id, message.attempts, error)
        if message.attempts >= MESSAGE_MAX_ATTEMPTS:
            mine.update(status=MessageStatus.FAILED, error=str(error)[:2000], claimed_at=None, claim_token=None,
                        context=_without_secrets(message))
            return False
        mine.update(error=str(error)[:2000], claimed_at=None, claim_token=None)
        raise MessageSendError(str(error)) from error
    mine.update(status=MessageStatus.SENT, sent_at=timezone.now(), error="", claimed_at=None, claim_token=None,
                context=_without_secrets(message))
    return True


def _deliver_text(message: Message, mine) -> bool:
    """A transactional text (a waitlist offer): sent once through notifications.sms; a provider
    failure marks it failed (the email of the same offer carries the link too). A number that
    replied STOP is not texted, as its reminders are not."""
    if phone_opted_out(message.recipient):
        mine.update(status=MessageStatus.FAILED, error=OPTED_OUT, claimed_at=None, claim_token=None,
                    context=_without_secrets(message))
        return False
    try:
        body = build_waitlist_offer_sms(message)
        provider_id = sms.send_sms(to=message.recipient, body=body)
    except MessageObsolete as reason:
        mine.update(status=MessageStatus.FAILED, error=str(reason), claimed_at=None, claim_token=None,
                    context=_without_secrets(message))
        return False
    except sms.SmsError as error:
        mine.update(status=MessageStatus.FAILED, error=str(error)[:2000], claimed_at=None, claim_token=None,
                    context=_without_secrets(message))
        return False
    mine.update(status=MessageStatus.SENT, sent_at=timezone.now(), provider_id=provider_id, error="",
                claimed_at=None, claim_token=None, context=_without_secrets(message))
    sms_early_statuses_apply(sid=provider_id)  # a status Twilio sent before we had the SID
    return True


# Context keys that hold a secret only the recipient may have (a portal sign-in link, whose token
# is stored nowhere else but as a hash): kept only until the message is sent or given up.
SECRET_CONTEXT_KEYS = ("link",)


def _without_secrets(message: Message) -> dict:
    return {key: value for key, value in message.context.items() if key not in SECRET_CONTEXT_KEYS}


def stale_message_ids(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """The transactional messages still pending long after they were written (their task was lost:
    broker down at commit, worker gone), oldest first: emails and texts (a waitlist offer's) alike."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(_claimable_message_q(now), reminder__isnull=True,
                               created_at__lt=now - MESSAGE_SWEEP_AFTER)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
