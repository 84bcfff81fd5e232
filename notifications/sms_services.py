"""SMS state changes: opt-outs (STOP replies, Twilio error 21610) and Twilio delivery status callbacks."""
import logging
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import (
    MESSAGE_STATUS_RANK,
    Channel,
    EarlySmsStatus,
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
# How long a status callback for a SID we have not saved (yet) is kept: a send's answer takes
# seconds; a SID still unknown after a day was never ours.
EARLY_SMS_STATUS_KEPT = timedelta(days=1)

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


def _status_apply(*, sid: str, status: str, error_code: str = "") -> int:
    """Write `status` on the SMS message with that SID if it ranks above the one it has. Returns
    how many rows changed (0 or 1)."""
    lower = [s for s, rank in MESSAGE_STATUS_RANK.items() if rank < MESSAGE_STATUS_RANK[status]]
    fields: dict = {"status": status}
    if error_code:
        fields["error"] = f"Twilio error {error_code}"
    return Message.objects.filter(provider_id=sid, channel=Channel.SMS, status__in=lower).update(**fields)


def sms_status_update(*, sid: str, twilio_status: str, to: str = "", error_code: str = "") -> bool:
    """Apply a Twilio status callback to the message with that SID. Returns True if it changed.

    Only a higher-ranked status is written, in one conditional UPDATE: callbacks arrive out of
    order, and a late "sent" must never overwrite "delivered".

    A callback can also arrive before the SID is on our row (Twilio calls back while our send is
    still waiting for its answer). Then the status is kept as an EarlySmsStatus and applied when
    the sender saves the SID. Both sides write first and look for the other's write after, each
    in its own commit, so whichever comes second finds the first: the status is never lost.
    """
    status = TWILIO_STATUS_MAP.get((twilio_status or "").lower())
    if not SID_RE.match(sid or "") or status is None:
        return False
    to = twilio_phone(to)
    error_code = (error_code or "").strip()[:16]
    changed = _status_apply(sid=sid, status=status, error_code=error_code)
    if not changed and not Message.objects.filter(provider_id=sid, channel=Channel.SMS).exists():
        EarlySmsStatus.objects.filter(received_at__lt=timezone.now() - EARLY_SMS_STATUS_KEPT).delete()
        EarlySmsStatus.objects.create(provider_id=sid, status=status, error_code=error_code)
        # The sender may have saved the SID between our look and our write: look once more.
        changed = sms_early_statuses_apply(sid=sid)
    if error_code == str(TWILIO_OPTED_OUT):
        phone = to or Message.objects.filter(provider_id=sid).values_list("recipient", flat=True).first() or ""
        sms_opt_out_record(phone=phone, source="twilio-21610")
    return bool(changed)


def sms_early_statuses_apply(*, sid: str) -> int:
    """Apply the status callbacks kept for `sid` because they came before its message had it;
    called by the sender right after it saves the SID. Returns how many rows changed."""
    if not sid:
        return 0
    early = list(EarlySmsStatus.objects.filter(provider_id=sid))
    if not early:
        return 0
    if not Message.objects.filter(provider_id=sid, channel=Channel.SMS).exists():
        return 0  # not saved yet: the sender applies them when it saves the SID
    changed = 0
    # Lowest rank first, so the highest (delivered over sent) is what stays.
    for row in sorted(early, key=lambda row: MESSAGE_STATUS_RANK[row.status]):
        changed += _status_apply(sid=sid, status=row.status, error_code=row.error_code)
    EarlySmsStatus.objects.filter(pk__in=[row.pk for row in early]).delete()
    return changed


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
