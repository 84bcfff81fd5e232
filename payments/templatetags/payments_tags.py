"""Template tags for the payments pieces other apps' pages include (Settings, order page)."""
from django import template
from django.conf import settings

from leadmonk.money import format_money, percent_label
from payments.forms import PayPalConnectForm
from payments.models import PaymentConnection, Provider
from payments.providers.base import get_provider
from scheduling.tax import tax_name_label

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """'49.00 USD' from an amount and its currency."""
    if amount is None or not currency:
        return ""
    return format_money(amount, currency)


@register.filter
def percent(rate) -> str:
    """ "20" for a tax rate of 20.00, "7.5" for 7.50."""
    return percent_label(rate or 0)


@register.filter
def tax_name(name: str) -> str:
    """The tax's name as a client reads it (scheduling.tax.tax_name_label): "Tax" translated, an
    owner's own name as written."""
    return tax_name_label(name or "")


@register.inclusion_tag("payments/_connections.html", takes_context=True)
def payment_connections(context) -> dict:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    connections = {c.provider: c for c in PaymentConnection.objects.filter(owner=user)} if user and user.pk else {}
    stripe, paypal = get_provider(Provider.STRIPE), get_provider(Provider.PAYPAL)
    return {
        "csrf_token": context.get("csrf_token"),
        "stripe_connection": connections.get(Provider.STRIPE),
        "paypal_connection": connections.get(Provider.PAYPAL),
        "stripe_configured": stripe.is_configured(),
        "paypal_configured": paypal.is_configured(),
        "stripe_available": user is not None and stripe.is_available(user),
        "paypal_available": user is not None and paypal.is_available(user),
        "debug": settings.DEBUG,
        "test_payments": settings.TEST_PAYMENTS_ENABLED,
        "paypal_form": PayPalConnectForm(initial={"email": user.email if user and user.pk else ""}),
    }
