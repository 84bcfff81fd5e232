"""What the Stripe payment provider and Stripe Billing share: the API client, our absolute URLs and
the verified webhook event, so neither module imports the other."""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.http import HttpRequest

from leadmonk.languages import translatable as _
from leadmonk.money import STRIPE_EXTRA_DECIMALS, exponent, from_minor_units, stripe_minor_units
from payments.providers.base import PaymentProviderUnavailable


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentProviderUnavailable(_("Stripe is not set up on this site."))
    options: dict = {}
    if getattr(settings, "STRIPE_API_BASE", ""):
        # stripe-mock or a local fake (CI), as Stripe's own libraries are tested.
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        max_network_retries=getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2),
        **options,
    )


def stripe_amount(amount: Decimal, currency: str) -> int:
    """`amount` as Stripe's API takes it (leadmonk.money.stripe_minor_units: 12.34 USD -> 1234,
    15000 ISK -> 1500000)."""
    return stripe_minor_units(amount, currency)


def amount_from_stripe(minor: int, currency: str) -> Decimal:
    """An amount Stripe's API reports, back in the currency (stripe_amount's reverse). A fraction
    of a krona is kept, not rounded away: it does not pay a whole-krona price."""
    extra = STRIPE_EXTRA_DECIMALS.get(currency.upper(), 0)
    if not extra:
        return from_minor_units(minor, currency)
    return Decimal(minor).scaleb(-(exponent(currency) + extra))


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def id_of(value) -> str:
    """A Stripe reference that may be an id or an expanded object; "" for anything else."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def dict_of(value) -> dict:
    """A nested object of a Stripe body, or {} when it is missing or not an object."""
    return value if isinstance(value, dict) else {}


class InvalidEvent(Exception):
    """The body is not signed with our secret, or is signed but not the shape of an event."""


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    object: dict
    # When Stripe created the event (Unix time; 0 when absent): orders events of one subscription.
    created: int = 0


def verified_event(request: HttpRequest, secret: str) -> StripeEvent:
    """Check the Stripe-Signature header on the raw body, then read the event's id, type and
    object. A signed body of the wrong shape (`{}`, `[]`, an object that is a string) is refused
    like a bad signature: Stripe never sends one, so nothing is read from it."""
    signature = request.headers.get("Stripe-Signature", "")
    try:
        payload = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as error:
        raise InvalidEvent("Invalid signature.") from error
    event_id, event_type = dict_of(body).get("id"), dict_of(body).get("type")
    obj = dict_of(dict_of(body).get("data")).get("object")
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str) and isinstance(obj, dict)):
        raise InvalidEvent("Not a Stripe event.")
    created = dict_of(body).get("created")
    return StripeEvent(id=event_id, type=event_type, object=obj,
                       created=created if isinstance(created, int) and created > 0 else 0)
