"""`manage.py check` warns about a half-configured payment provider: a key without its partner
makes webhooks fail (503 until fixed) or payments confirm only when the client comes back."""
from django.conf import settings
from django.core.checks import Warning, register


@register()
def payment_provider_settings(app_configs=None, **kwargs) -> list[Warning]:
    warnings = []
    if settings.STRIPE_WEBHOOK_SECRET and not settings.STRIPE_SECRET_KEY:
        warnings.append(Warning(
            "STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not.",
            hint="Stripe webhooks answer 503 (and Stripe retries) until STRIPE_SECRET_KEY is set: "
                 "each event's state is read back from Stripe's API.",
            id="payments.W001",
        ))
    if settings.STRIPE_SECRET_KEY and not settings.STRIPE_WEBHOOK_SECRET:
        warnings.append(Warning(
            "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not.",
            hint="Stripe webhooks are refused: a payment is confirmed only if the client comes back "
                 "to the site, and refunds made in Stripe are never seen.",
            id="payments.W002",
        ))
    if bool(settings.PAYPAL_CLIENT_ID) != bool(settings.PAYPAL_CLIENT_SECRET):
        warnings.append(Warning(
            "Only one of PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET is set.",
            hint="PayPal checkout is off until both are set.",
            id="payments.W003",
        ))
    if settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET and not settings.PAYPAL_WEBHOOK_ID:
        warnings.append(Warning(
            "PayPal is configured but PAYPAL_WEBHOOK_ID is not set.",
            hint="PayPal webhooks are refused (their signature cannot be verified): a pending capture "
                 "and refunds made in PayPal are never seen.",
            id="payments.W004",
        ))
    return warnings
