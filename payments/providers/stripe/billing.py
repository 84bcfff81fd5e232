"""Stripe Billing: owners pay for their own plan. Checkout in subscription mode, the customer
portal, and the subscription events of the shared Stripe webhook.

The webhook verifies the signature (in provider.handle_webhook), finds the owner from the event
body, then reads the subscription back from Stripe and hands it to
`accounts.billing_services.subscription_apply`, which orders reads by the subscription's own
timestamps. The event is recorded once with the state change (payments.webhooks.event_process).
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.billing import BillingError, SubscriptionState
from accounts.billing_services import subscription_apply, subscription_set_customer
from accounts.models import Subscription, User
from accounts.plans import Plan, SubscriptionStatus
from payments.models import Provider
from payments.providers.base import PaymentProviderError, PaymentProviderUnavailable
from payments.providers.stripe.client import StripeEvent, dict_of, id_of, site_url, stripe_client
from payments.providers.stripe.memberships import MEMBERSHIP_PURPOSE, handle_membership_event

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
}
INVOICE_EVENTS = {"invoice.paid", "invoice.payment_failed"}
BILLING_EVENTS = SUBSCRIPTION_EVENTS | INVOICE_EVENTS

UPGRADE_FAILED = "Stripe could not start the upgrade. Your plan has not changed; please try again in a moment."
PORTAL_FAILED = "Stripe's billing page could not be opened. Please try again in a moment."


def price_id(plan: str, interval: str) -> str:
    return settings.STRIPE_BILLING_PRICES.get((plan, interval), "")


def billing_configured(plan: str, interval: str) -> bool:
    """Stripe can sell `plan` by `interval`: platform keys and that plan's Price id are set."""
    return bool(settings.STRIPE_SECRET_KEY and price_id(plan, interval))


def stripe_billing_configured() -> bool:
    """Stripe sells at least one plan here (the test billing pages are then off)."""
    return bool(settings.STRIPE_SECRET_KEY and any(settings.STRIPE_BILLING_PRICES.values()))


def plan_for_price(price: str) -> tuple[str, str] | None:
    """(plan, interval) of a Price id the site configures: today's, or an earlier one still honoured.
    Nothing else grants a plan, whatever the subscription's metadata says."""
    if not price:
        return None
    for (plan, interval), configured in settings.STRIPE_BILLING_PRICES.items():
        if configured == price:
            return plan, interval
    return settings.STRIPE_EARLIER_PRICES.get(price)


def _timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


# -- Checkout and portal -------------------------------------------------------------------

def checkout_start(*, owner: User, plan: str, interval: str) -> str:
    """Open a Checkout Session in subscription mode for `plan` and return its URL.

    The idempotency key is derived from the owner, the plan and the subscription they have now,
    per day: a double click (or a retry) gets the same session back; Stripe keeps keys 24 hours
    and an open session lives as long, so a later visit starts afresh.
    """
    subscription = Subscription.objects.filter(owner=owner).first()
    customer_id = subscription.stripe_customer_id if subscription and not subscription.is_test else ""
    previous = (subscription.stripe_subscription_id if subscription else "") or "first"
    ids = {"owner_id": str(owner.pk), "plan": plan, "interval": interval}
    subscription_data: dict = {"metadata": ids}
    if settings.BILLING_TRIAL_DAYS and previous == "first":
        # A trial for an owner's first subscription only.
        subscription_data["trial_period_days"] = settings.BILLING_TRIAL_DAYS
    params: dict = {
        "mode": "subscription",
        "line_items": [{"price": price_id(plan, interval), "quantity": 1}],
        "client_reference_id": str(owner.pk),
        "metadata": ids,
        "subscription_data": subscription_data,
        "success_url": site_url(reverse("billing:checkout_return")) + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": site_url(reverse("billing:plan")),
    }
    if customer_id:
        params["customer"] = customer_id
    else:
        params["customer_email"] = owner.email
    key = f"subscribe-{owner.pk}-{plan}-{interval}-{previous}-{timezone.now().date().isoformat()}"
    try:
        session = stripe_client().v1.checkout.sessions.create(params, options={"idempotency_key": key})
    except stripe.StripeError as error:
        logger.warning("stripe billing checkout for owner %s failed: %s", owner.pk, error)
        raise PaymentProviderError(UPGRADE_FAILED) from error
    return session.url


def checkout_return(*, owner: User, session_id: str) -> str | None:
    """The owner is back from Checkout: read the session and its subscription back from Stripe
    and apply them now, so the plan changes without waiting for the webhook. Returns the plan."""
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(
            session_id, {"expand": ["subscription"]}
        ).to_dict()
    except stripe.StripeError as error:
        raise PaymentProviderError("Stripe did not answer; your plan will update in a moment.") from error
    if session.get("client_reference_id") != str(owner.pk) or session.get("mode") != "subscription":
        return None
    customer_id = id_of(session.get("customer"))
    if customer_id:
        subscription_set_customer(owner_id=owner.pk, customer_id=customer_id)
    raw = session.get("subscription")
    state = subscription_state(raw) if isinstance(raw, dict) else None
    if state is None:
        return None
    try:
        subscription_apply(owner_id=owner.pk, state=state)
    except BillingError as error:
        logger.info("stripe billing return for owner %s: %s", owner.pk, error.message)
    return None if state.unknown_price_id else state.plan


def portal_url(*, owner: User) -> str:
    """A customer portal session (change plan, card, invoices, cancel) for the owner."""
    subscription = Subscription.objects.filter(owner=owner).first()
    if subscription is None or not subscription.stripe_customer_id or subscription.is_test:
        raise PaymentProviderError("There is no Stripe billing account for you yet. Upgrade first.")
    try:
        session = stripe_client().v1.billing_portal.sessions.create(
            {"customer": subscription.stripe_customer_id, "return_url": site_url(reverse("billing:plan"))}
        )
    except stripe.StripeError as error:
        logger.warning("stripe billing portal for owner %s failed: %s", owner.pk, error)
        raise PaymentProviderError(PORTAL_FAILED) from error
    return session.url


# -- Reading a subscription ------------------------------------------------------------------

def subscription_state(subscription: dict) -> SubscriptionState | None:
    """A Stripe subscription object as plain data (None when it is not one). The plan comes from
    the price alone (`plan_for_price`); a price we do not sell gives a state with `unknown_price_id`.

    Reads both API shapes: the period end on the subscription (older versions) or on its item
    (2025 versions on); `cancel_at` (newer portal) as well as `cancel_at_period_end`.
    """
    items = ((subscription.get("items") or {}).get("data")) or []
    item = items[0] if items else {}
    price = id_of(item.get("price"))
    status = subscription.get("status")
    if status not in SubscriptionStatus.values or not subscription.get("id"):
        return None
    plan_interval = plan_for_price(price)
    if plan_interval is None:
        logger.warning("stripe subscription %s is on price %s, which is neither in STRIPE_BILLING_PRICES "
                       "nor in STRIPE_EARLIER_PRICES: it grants no plan", subscription["id"], price or "(none)")
    period_end = subscription.get("current_period_end") or item.get("current_period_end")
    return SubscriptionState(
        subscription_id=subscription["id"],
        customer_id=id_of(subscription.get("customer")),
        plan=plan_interval[0] if plan_interval else Plan.FREE,
        interval=plan_interval[1] if plan_interval else "",
        unknown_price_id="" if plan_interval else (price or "(no price)"),
        status=status,
        started_at=_timestamp(subscription.get("start_date") or subscription.get("created")) or datetime.now(UTC),
        current_period_end=_timestamp(period_end),
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end") or subscription.get("cancel_at")),
        ended_at=_timestamp(subscription.get("ended_at")),
    )


def _owner_for(customer_id: str, metadata: dict) -> int | None:
    """The owner an event is about: the stored Stripe customer, else the owner id we put in the
    subscription's metadata at Checkout."""
    if customer_id:
        owners = Subscription.objects.filter(stripe_customer_id=customer_id).values_list("owner_id", flat=True)
        owner_id = owners.first()
        if owner_id:
            return owner_id
    owner_id = str((metadata or {}).get("owner_id") or "")
    if owner_id.isdigit() and User.objects.filter(pk=int(owner_id)).exists():
        return int(owner_id)
    return None


def _invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """The subscription id and metadata of an invoice, in either API shape."""
    details = dict_of(dict_of(invoice.get("parent")).get("subscription_details"))
    subscription_id = id_of(details.get("subscription")) or id_of(invoice.get("subscription"))
    metadata = dict_of(details.get("metadata")) or dict_of(dict_of(invoice.get("subscription_details")).get("metadata"))
    return subscription_id, metadata


def handle_billing_event(event: StripeEvent) -> HttpResponse:
    """One verified subscription or invoice event (see the module docstring)."""
    from payments.webhooks import event_process, event_seen

    event_id, event_type = event.id, event.type
    if event_seen(provider=Provider.STRIPE, event_id=event_id):
        return HttpResponse("Already processed.")
    body = event.object
    if event_type in SUBSCRIPTION_EVENTS:
        subscription_id, metadata = id_of(body), dict_of(body.get("metadata"))
    else:
        subscription_id, metadata = _invoice_subscription(body)
    if metadata.get("purpose") == MEMBERSHIP_PURPOSE and subscription_id:
        # A client's membership of a package (memberships), not an owner's plan.
        return handle_membership_event(event, subscription_id)
    owner_id = _owner_for(id_of(body.get("customer")), metadata)
    if owner_id is None or not subscription_id:
        logger.info("stripe event %s (%s): no owner for customer %s, recorded and ignored",
                    event_id, event_type, id_of(body.get("customer")))
        return event_process(provider=Provider.STRIPE, event_id=event_id, event_type=event_type, apply=lambda: None)
    # State comes from Stripe, not from the event body (network call outside any transaction):
    # a late event then carries no stale state, and two racing reads are ordered by timestamps.
    try:
        fetched = stripe_client().v1.subscriptions.retrieve(subscription_id).to_dict()
    except (stripe.StripeError, PaymentProviderUnavailable) as error:
        logger.warning("stripe event %s: could not read subscription %s back: %s", event_id, subscription_id, error)
        return HttpResponse("Stripe did not answer, retry later.", status=503)
    state = subscription_state(fetched)

    def apply() -> None:
        if state is None:
            logger.warning("stripe event %s: subscription %s could not be read, ignored", event_id, subscription_id)
            return
        try:
            subscription_apply(owner_id=owner_id, state=state)
        except BillingError as error:
            logger.info("stripe event %s (%s) not applied: %s", event_id, event_type, error.message)

    return event_process(provider=Provider.STRIPE, event_id=event_id, event_type=event_type, apply=apply)
