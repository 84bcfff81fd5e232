"""The payment provider interface, its registry and the payment exception hierarchy.

Modelled on pretix's `BasePaymentProvider`: a provider starts a checkout, reads the result back
from its service (on the client's return or a webhook) and calls the guarded services in
`payments.services`; it never sets an order's status itself.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse

from leadmonk import money
from leadmonk.languages import translatable as _

if TYPE_CHECKING:
    from accounts.models import User
    from payments.models import Payment


class PaymentError(Exception):
    """A payment operation that did not happen; `.message` can be shown to a user as is."""

    default_message = "The payment could not be processed. Please try again."

    def __init__(self, message: str = ""):
        self.message = message or self.default_message
        super().__init__(self.message)


class PaymentProviderUnavailable(PaymentError):
    default_message = _("This payment method is not available right now.")


class PaymentProviderError(PaymentError):
    """The provider's API failed or answered something unusable (network, 5xx, bad data).

    Transient as far as we know: a webhook answers 503 so the provider retries.
    """

    default_message = _("The payment service did not answer. Please try again in a moment.")


class RefundError(PaymentError):
    default_message = "The refund could not be made."


class IllegalPaymentTransition(PaymentError):
    pass


def checkout_refusal(provider: str, amount: Decimal, currency: str) -> str:
    """Why the client cannot pay `amount` through `provider` (Stripe, PayPal), for the checkout page
    in its language; "" when they can. The price forms refuse such prices (leadmonk.money
    .charge_problem); a total can still break a rule (tax added on top later, a price saved
    before the rule), and then the provider is not asked: it would refuse with a message that
    tells the client to try again."""
    if money.is_chargeable(provider, amount, currency):
        return ""
    name = "Stripe" if provider == money.STRIPE else "PayPal"
    values = {"amount": money.format_money(amount, currency), "provider": name}
    if provider == money.STRIPE and money.stripe_minor_units(amount, currency) > money.STRIPE_MAX_AMOUNT:
        return _("%(amount)s is more than %(provider)s can take in one payment, so it cannot be paid here. "
                 "Nothing was charged; please contact your host.") % values
    return _("%(provider)s cannot take a payment of %(amount)s, so it cannot be paid here. "
             "Nothing was charged; please contact your host.") % values


class PaymentProvider:
    identifier: str = ""
    verbose_name: str = ""

    def is_configured(self) -> bool:
        """True when the platform has what it needs to talk to this provider (keys in settings)."""
        raise NotImplementedError

    def is_available(self, owner: User) -> bool:
        """True when `owner`'s clients can pay through this provider."""
        return self.is_configured()

    def start_checkout(self, payment: Payment, request: HttpRequest) -> str:
        """Create the payment at the provider and return the URL the client is sent to."""
        raise NotImplementedError

    def handle_return(self, payment: Payment, request: HttpRequest) -> None:
        """The client came back from the provider: read the state back from the provider and
        confirm or fail the payment through the services. Never trusts the query string."""

    def handle_webhook(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError

    # Whether it can charge a card saved at a payment plan's first checkout later, without the
    # client (the instalments app offers payment plans through such providers only).
    charges_saved_methods = False

    def charge_saved(self, payment: Payment) -> Payment:
        """Charge `payment` (an instalment) to `payment.saved_method` off-session, with an
        idempotency key derived from the payment, and confirm or fail it through the services (or
        leave it pending for the provider's webhook). Called outside any transaction. Raises
        PaymentError when the provider cannot be reached (nothing recorded: the caller retries)."""
        raise NotImplementedError

    def refund(self, payment: Payment, *, amount: Decimal | None = None, idempotency_key: str = "") -> str:
        """Refund `amount` of `payment` at the provider (None: all of it); returns the provider's
        refund id. Raises RefundError with a message for the owner when nothing was refunded.

        Idempotent: `idempotency_key` (our Refund's key, derived from our ids; by default the
        payment's full-refund key) goes to the provider, so a retry or a double click refunds once.
        """
        raise NotImplementedError


# Filled when the payments app is ready (payments/apps.py imports payments.providers, whose
# folders register themselves), so this module, which every provider imports, imports none of them.
_registry: dict[str, PaymentProvider] = {}


def register(provider_class: type[PaymentProvider]) -> type[PaymentProvider]:
    _registry[provider_class.identifier] = provider_class()
    return provider_class


def get_provider(identifier: str) -> PaymentProvider:
    try:
        return _registry[identifier]
    except KeyError:
        raise PaymentProviderUnavailable() from None

