"""Owners' connections to the payment providers: which Payment Mediums an owner can offer, and
the writes that connect and disconnect an account.

Money routing (see README "Payments: how money reaches the owner"): the platform keys talk to
Stripe and PayPal; a connected Stripe account receives the charge through Stripe Connect, a
connected PayPal merchant is the payee of the PayPal order. Without a connection the platform
account receives the money (a single-owner self-hosted install), unless
PAYMENTS_REQUIRE_CONNECTION is on (a multi-owner install).
"""
from django.conf import settings
from django.db import transaction

from payments.models import PaymentConnection, Provider
from payments.providers.base import get_provider

MEDIUM_PROVIDERS = (Provider.STRIPE, Provider.PAYPAL)


def require_connection() -> bool:
    return bool(getattr(settings, "PAYMENTS_REQUIRE_CONNECTION", False))


def active_connection(owner, provider: str) -> PaymentConnection | None:
    if owner is None or not getattr(owner, "pk", None):
        return None
    return PaymentConnection.objects.filter(owner=owner, provider=provider, is_active=True).first()


def available_mediums(owner) -> list[str]:
    """The Payment Mediums (provider identifiers) `owner` can sell through, in display order."""
    # Local runs without keys: the checkout stands in the test provider for either medium, so an
    # owner can set up and sell a paid package end to end (DEBUG / TEST_PAYMENTS_ENABLED only).
    stand_in = get_provider(Provider.TEST).is_configured()

    def offered(identifier: str) -> bool:
        provider = get_provider(identifier)
        return provider.is_available(owner) if provider.is_configured() else stand_in

    return [identifier for identifier in MEDIUM_PROVIDERS if offered(identifier)]


def connection_save(*, owner, provider: str, account_id: str = "", email: str = "",
                    is_active: bool = True) -> PaymentConnection:
    with transaction.atomic():
        connection, _ = PaymentConnection.objects.select_for_update().get_or_create(owner=owner, provider=provider)
        connection.account_id, connection.email, connection.is_active = account_id, email, is_active
        connection.save()
    return connection


def connection_delete(*, owner, provider: str) -> bool:
    deleted, _ = PaymentConnection.objects.filter(owner=owner, provider=provider).delete()
    return bool(deleted)
