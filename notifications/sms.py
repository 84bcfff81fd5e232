"""SMS backends: Twilio when TWILIO_ACCOUNT_SID is set, otherwise a console backend that logs the
text (and keeps it in `outbox` for tests), as Django's console email backend does for email."""
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

# Twilio's "Attempt to send to unsubscribed recipient": the number replied STOP.
TWILIO_OPTED_OUT = 21610
# validity_period accepted by Twilio's Messages API, in seconds.
VALIDITY_MIN_SECONDS = 1
VALIDITY_MAX_SECONDS = 36000

# The console backend's record of what would have been sent (tests read it).
outbox: list["SentSms"] = []


@dataclass
class SentSms:
    to: str
    body: str
    sid: str
    validity_period: int | None = None
    status_callback: str | None = None


class SmsError(Exception):
    """A send failed. `permanent` errors are not retried (bad number); the rest are."""

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class SmsOptedOut(SmsError):
    def __init__(self, message: str = "The recipient has opted out of text messages (STOP).", *, code=None):
        super().__init__(message, code=code or TWILIO_OPTED_OUT, permanent=True)


def twilio_configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID)


def send_sms(*, to: str, body: str, validity_period: int | None = None, status_callback: str | None = None) -> str:
    """Send one text and return the provider's message id (the Twilio SID)."""
    if validity_period is not None:
        validity_period = max(VALIDITY_MIN_SECONDS, min(VALIDITY_MAX_SECONDS, int(validity_period)))
    if not twilio_configured():
        sid = f"console-{uuid.uuid4().hex}"
        outbox.append(SentSms(to=to, body=body, sid=sid, validity_period=validity_period,
                              status_callback=status_callback))
        logger.info("SMS to %s (not sent: TWILIO_ACCOUNT_SID is not set): %s", to, body)
        return sid
    return _send_with_twilio(to=to, body=body, validity_period=validity_period, status_callback=status_callback)


def _send_with_twilio(*, to: str, body: str, validity_period: int | None, status_callback: str | None) -> str:
    from twilio.base.exceptions import TwilioException, TwilioRestException
    from twilio.rest import Client

    client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    params: dict = {"to": to, "body": body}
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        params["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
    else:
        params["from_"] = settings.TWILIO_FROM_NUMBER
    if validity_period is not None:
        params["validity_period"] = validity_period
    if status_callback:
        params["status_callback"] = status_callback
    try:
        message = client.messages.create(**params)
    except TwilioRestException as error:
        if error.code == TWILIO_OPTED_OUT:
            raise SmsOptedOut(code=error.code) from error
        # 4xx are errors in what we sent (invalid number, not a mobile): retrying changes nothing.
        # 429 and 5xx are Twilio's side and worth another try.
        permanent = 400 <= (error.status or 500) < 500 and error.status != 429
        raise SmsError(f"Twilio error {error.code}: {error.msg}", code=error.code, permanent=permanent) from error
    except (TwilioException, OSError) as error:
        raise SmsError(f"Twilio request failed: {error}") from error
    return message.sid
