"""Stripe Billing for memberships (package orders billed every period): Checkout in subscription
mode on the platform account with the money transferred to the owner's connected account
(`subscription_data.transfer_data.destination`, as package payments use `transfer_data`), the
client's pause and cancel sent to Stripe, and the subscription's events from the shared webhook.

A membership subscription carries `purpose=membership` and our order id in its metadata; the
billing router (billing.handle_billing_event) sends its events here. The signature is verified in
provider.handle_webhook; the subscription and the invoice are read back from Stripe (never taken
from the event body) and handed, with the event's time, to the memberships app through
payments.signals inside event_process's transaction: recorded once, applied once.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import stripe
from django.http import HttpResponse

from payments.models import Payment, Provider
from payments.providers.base import PaymentProviderError, PaymentProviderUnavailable
from payments.providers.stripe.client import StripeEvent, id_of, stripe_amount, stripe_client
from payments.signals import membership_subscription_event, membership_subscription_started

logger = logging.getLogger(__name__)

MEMBERSHIP_PURPOSE = "membership"


def is_membership_payment(payment: Payment) -> bool:
    return payment.order_id is not None and payment.order.is_membership


def checkout_params(payment: Payment, *, ids: dict, destination: str) -> dict:
    """The Checkout Session of a membership's first period: a recurring price of the order's price and
    interval; the subscription's money goes to `destination` (the owner's connected account)."""
    order = payment.order
    subscription_data: dict = {"metadata": {**ids, "purpose": MEMBERSHIP_PURPOSE},
                               "description": payment.purchase_title[:200]}
    if destination:
        subscription_data["transfer_data"] = {"destination": destination}
        subscription_data["on_behalf_of"] = destination
    return {
        "mode": "subscription",
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": payment.currency.lower(),
                "unit_amount": stripe_amount(payment.amount, payment.currency),
                "product_data": {"name": payment.purchase_title[:250]},
                "recurring": {"interval": order.billing_interval, "interval_count": order.billing_interval_count},
            },
        }],
        "client_reference_id": str(payment.pk),
        "metadata": {**ids, "purpose": MEMBERSHIP_PURPOSE},
        "subscription_data": subscription_data,
        "customer_email": payment.client_email,
    }


def invoice_read(invoice_id: str) -> dict:
    """The invoice with its payments expanded (where the API version this SDK pins names the
    PaymentIntent that paid it)."""
    return stripe_client().v1.invoices.retrieve(invoice_id, {"expand": ["payments"]}).to_dict()


def invoice_payment_intent(invoice: dict) -> str:
    """The PaymentIntent that paid `invoice`, for a refund: in the invoice's `payments` list (API
    versions since 2025-03-31, the one this SDK pins) or, in older versions, on the invoice itself."""
    for entry in ((invoice.get("payments") or {}).get("data") or []):
        if entry.get("status") in (None, "paid"):
            intent = id_of((entry.get("payment") or {}).get("payment_intent"))
            if intent:
                return intent
    return id_of(invoice.get("payment_intent"))


def subscription_read(subscription_id: str) -> dict:
    try:
        return stripe_client().v1.subscriptions.retrieve(subscription_id).to_dict()
    except stripe.StripeError as error:
        raise PaymentProviderError() from error


def announce_started(payment: Payment, session: dict) -> None:
    """A membership's Checkout completed and paid (inside the payment's transaction): memberships
    links the subscription, read back from Stripe, to the order's membership."""
    subscription_id = id_of(session.get("subscription"))
    if session.get("mode") != "subscription" or not subscription_id:
        return
    subscription = session.get("subscription")
    if not isinstance(subscription, dict):  # provider.fetch_session reads it back before the transaction
        logger.warning("stripe session %s: subscription %s not read back, not linked", session.get("id"),
                       subscription_id)
        return
    membership_subscription_started.send(sender=Payment, order=payment.order, subscription=subscription)


def subscription_update(subscription_id: str, params: dict, *, key: str) -> dict:
    """Change the subscription at Stripe (the client's pause, resume, cancel, keep). `key` names the
    change (our ids and what is asked), so a double click changes it once."""
    try:
        return stripe_client().v1.subscriptions.update(subscription_id, params,
                                                       options={"idempotency_key": key}).to_dict()
    except stripe.StripeError as error:
        logger.warning("stripe subscription %s update failed: %s", subscription_id, error)
        raise PaymentProviderError("Stripe did not answer. Nothing was changed; please try again in a moment.") \
            from error


def subscription_cancel_now(subscription_id: str) -> dict:
    """End the subscription at once (a past-due client cancels: nothing more is collected)."""
    try:
        return stripe_client().v1.subscriptions.cancel(subscription_id).to_dict()
    except stripe.StripeError as error:
        logger.warning("stripe subscription %s cancel failed: %s", subscription_id, error)
        raise PaymentProviderError("Stripe did not answer. Nothing was changed; please try again in a moment.") \
            from error


def handle_membership_event(event: StripeEvent, subscription_id: str) -> HttpResponse:
    """One verified billing event of a membership subscription (see the module docstring)."""
    from payments.webhooks import event_process

    event_id, event_type = event.id, event.type
    invoice_id = id_of(event.object) if event_type.startswith("invoice.") else ""
    try:
        subscription = stripe_client().v1.subscriptions.retrieve(subscription_id).to_dict()
        invoice = invoice_read(invoice_id) if invoice_id else None
    except (stripe.StripeError, PaymentProviderUnavailable) as error:
        logger.warning("stripe event %s: could not read membership subscription %s back: %s", event_id,
                       subscription_id, error)
        return HttpResponse("Stripe did not answer, retry later.", status=503)
    created = datetime.fromtimestamp(event.created, tz=UTC)

    def apply() -> None:
        membership_subscription_event.send(sender=Provider, event_type=event_type, subscription=subscription,
                                           invoice=invoice, created=created)

    return event_process(provider=Provider.STRIPE, event_id=event_id, event_type=event_type, apply=apply)
