"""SMS state changes: opt-outs (STOP replies, Twilio error 21610) and Twilio delivery status callbacks."""
import logging
import re

from django.db import IntegrityError, transaction

from notifications.models import (
    MESSAGE_STATUS_RANK,
    Channel,
    Message,
    MessageStatus,
    Reminder,
    ReminderStatus,
    SmsOptOut,
)
from notifications.sms import TWILIO_OPTED_OUT

# Twilio's message statuses, mapped onto ours. Queued/sending are "sent" as far as the owner cares.
TWILIO_STATUS_MAP = {
    "accepted": MessageStatus.SENT,
    "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}
logger = logging.getLogger(__name__)

# What Twilio sends as a number (E.164) and as a message SID. Anything else (a NUL byte, 300
# characters) is not from a real message even when the signature checks out: ignore it.
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
SID_RE = re.compile(r"^[A-Za-z0-9]{2,64}$")


def twilio_phone(value: str) -> str:
    """`value` when it is an E.164 number, else ""."""
    value = (value or "").strip()
    return value if E164_RE.match(value) else ""


# Twilio's default opt-out and opt-in keywords.
STOP_WORDS = {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "YES"}


def sms_opt_out_record(*, phone: str, source: str) -> None:
    """Mark `phone` as opted out and drop its pending SMS reminders (email reminders still go)."""
    if not phone:
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                SmsOptOut.objects.create(phone=phone, source=source[:32])
        except IntegrityError:
            pass  # already recorded
        Reminder.objects.filter(
            booking__client_phone=phone, channel=Channel.SMS, status=ReminderStatus.PENDING
        ).update(status=ReminderStatus.DROPPED, claim_token=None, last_error="Not sent: the number opted out of texts.")


def sms_opt_out_remove(*, phone: str) -> None:
    SmsOptOut.objects.filter(phone=phone).delete()


def sms_status_update(*, sid: str, twilio_status: str, to: str = "", error_code: str = "") -> bool:
    """Apply a Twilio status callback to the message with that SID. Returns True if it changed.

    Only a higher-ranked status is written, in one conditional UPDATE: callbacks arrive out of
    order, and a late "sent" must never overwrite "delivered".
    """
    status = TWILIO_STATUS_MAP.get((twilio_status or "").lower())
    if not SID_RE.match(sid or "") or status is None:
        return False
    to = twilio_phone(to)
    lower = [s for s, rank in MESSAGE_STATUS_RANK.items() if rank < MESSAGE_STATUS_RANK[status]]
    fields: dict = {"status": status}
    if error_code:
        fields["error"] = f"Twilio error {error_code}"
    changed = Message.objects.filter(provider_id=sid, channel=Channel.SMS, status__in=lower).update(**fields)
    if error_code and error_code.strip() == str(TWILIO_OPTED_OUT):
        phone = to or Message.objects.filter(provider_id=sid).values_list("recipient", flat=True).first() or ""
        sms_opt_out_record(phone=phone, source="twilio-21610")
    return bool(changed)


def sms_inbound(*, from_number: str, body: str, opt_out_type: str = "") -> None:
    """An inbound text: STOP (and Twilio's other opt-out words) opts the number out; START opts back in."""
    phone = twilio_phone(from_number)
    if not phone:
        logger.warning("Ignored an inbound SMS whose sender is not a phone number")
        return
    from_number = phone
    word = " ".join((body or "").split()).upper()
    kind = (opt_out_type or "").upper()
    if kind == "STOP" or word in STOP_WORDS:
        sms_opt_out_record(phone=from_number, source="stop-reply")
    elif kind == "START" or word in START_WORDS:
        sms_opt_out_remove(phone=from_number)
