"""`manage.py check` warns about a half-configured Twilio account (SMS would fail at send time)."""
from django.conf import settings
from django.core.checks import Warning, register


@register()
def twilio_settings(app_configs=None, **kwargs) -> list[Warning]:
    if not settings.TWILIO_ACCOUNT_SID:
        return []
    missing = []
    if not settings.TWILIO_AUTH_TOKEN:
        missing.append("TWILIO_AUTH_TOKEN")
    if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
        missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
    if not missing:
        return []
    return [Warning(
        f"TWILIO_ACCOUNT_SID is set but {' and '.join(missing)} is not.",
        hint="Every SMS fails until Twilio is fully configured; unset TWILIO_ACCOUNT_SID to log SMS instead.",
        id="notifications.W001",
    )]
