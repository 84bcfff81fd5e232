"""How memberships takes part in what orders announces (orders.signals): a paid membership order
starts its membership; a cancelled or refunded one ends it; the order pages (the client's, the
owner's) and the client portal's order cards show it with its buttons.
Connected by MembershipsConfig.ready."""
import logging
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from leadmonk import money
from leadmonk.sections import render_to_section
from memberships import selectors, services
from memberships.models import MembershipStatus
from memberships.tasks import stop_subscription_at_stripe
from orders.signals import (
    client_order_cards_parts,
    order_activated,
    order_cancelled,
    order_page_sections,
    owner_order_page_parts,
)
from payments.providers.stripe import memberships as membership_stripe
from payments.providers.stripe.client import amount_from_stripe
from payments.signals import membership_subscription_event, membership_subscription_started

logger = logging.getLogger(__name__)

# PackageOrder.paid_with (the provider's own name, set by payments) -> the provider that renews.
# An order given at no charge or paid through PayPal is sold once: nothing renews it.
RENEWING_PROVIDERS = {"Test provider": services.TEST_PROVIDER, "Stripe": services.STRIPE_PROVIDER}


@receiver(order_activated, dispatch_uid="memberships.start")
def start_the_membership(sender, *, order, **kwargs) -> None:
    provider = RENEWING_PROVIDERS.get(order.paid_with)
    if order.is_membership and provider:
        services.membership_start(order=order, provider=provider)


@receiver(order_cancelled, dispatch_uid="memberships.end")
def end_the_membership(sender, *, order, **kwargs) -> None:
    """The owner cancelled or refunded the order: nothing more is charged."""
    membership = selectors.membership_of_order(order_id=order.pk)
    if membership is not None and membership.status != MembershipStatus.CANCELLED:
        services.membership_end(membership_id=membership.pk)
        if membership.provider == services.STRIPE_PROVIDER and membership.provider_subscription_id:
            # Stripe collects by itself: its subscription is cancelled too, after the commit (no
            # network call inside the order's transaction).
            membership_id = membership.pk
            transaction.on_commit(lambda: stop_subscription_at_stripe.delay(membership_id), robust=True)


def _context(request, order, membership) -> dict:
    return {"order": order, "membership": membership, "test_payments": settings.TEST_PAYMENTS_ENABLED,
            "is_test": membership.provider == services.TEST_PROVIDER, "grace_days": services.GRACE_PERIOD.days}


@receiver(order_page_sections, dispatch_uid="memberships.order_page")
def client_section(sender, *, request, order, **kwargs) -> str:
    if not order.is_membership:
        return ""
    membership = selectors.membership_of_order(order_id=order.pk)
    if membership is None:
        return ""
    return render_to_section(request, "memberships/_client_section.html", _context(request, order, membership))


@receiver(owner_order_page_parts, dispatch_uid="memberships.owner_order_page")
def owner_part(sender, *, request, order, **kwargs) -> dict:
    if not order.is_membership:
        return {}
    membership = selectors.membership_of_order(order_id=order.pk)
    if membership is None:
        return {}
    return {"membership": render_to_section(request, "memberships/_owner_section.html",
                                            _context(request, order, membership))}


@receiver(client_order_cards_parts, dispatch_uid="memberships.portal_cards")
def portal_cards(sender, *, request, orders, next_url: str = "", **kwargs) -> dict:
    """The portal's cards of the client's orders: a membership's state and its buttons (one query, none
    without a membership order: the portal asks on every request, its own page being cached)."""
    order_ids = [order.pk for order in orders if order.is_membership]
    if not order_ids:
        return {}
    memberships = selectors.memberships_of_orders(order_ids=order_ids)
    return {
        order.pk: render_to_section(request, "memberships/_client_controls.html",
                                    {**_context(request, order, memberships[order.pk]), "next_url": next_url})
        for order in orders if order.pk in memberships
    }


# -- Stripe Billing (payments.signals, sent inside the verified event's transaction) --------------


def _timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if isinstance(value, int) and value > 0 else None


def _subscription_period(subscription: dict) -> tuple[datetime | None, datetime | None]:
    """The current period of a subscription read back from Stripe, in either API shape (on the
    subscription before 2025, on its item since)."""
    items = (subscription.get("items") or {}).get("data") or [{}]
    item = items[0] if isinstance(items[0], dict) else {}
    return (_timestamp(subscription.get("current_period_start") or item.get("current_period_start")),
            _timestamp(subscription.get("current_period_end") or item.get("current_period_end")))


def _invoice_period(invoice: dict, subscription: dict) -> tuple[datetime | None, datetime | None]:
    """The period an invoice pays: its subscription line's period (the subscription's current period
    when the invoice has no line)."""
    lines = (invoice.get("lines") or {}).get("data") or []
    period = (lines[0].get("period") or {}) if lines and isinstance(lines[0], dict) else {}
    start, end = _timestamp(period.get("start")), _timestamp(period.get("end"))
    return (start, end) if start and end else _subscription_period(subscription)


def _invoice_amount(invoice: dict, currency: str) -> Decimal | None:
    """What the invoice collected, in the order's currency (None: the order's price)."""
    paid = invoice.get("amount_paid")
    if not isinstance(paid, int) or (invoice.get("currency") or "").upper() != currency:
        return None
    try:
        return amount_from_stripe(paid, currency)
    except money.UnknownCurrency:
        return None


def _membership_for(subscription: dict):
    from memberships.models import PackageMembership

    membership = PackageMembership.objects.filter(provider_subscription_id=subscription.get("id") or "-").first()
    if membership is None:
        order_id = str((subscription.get("metadata") or {}).get("order_id") or "")
        if order_id.isdigit():
            membership = PackageMembership.objects.filter(order_id=int(order_id)).select_related("order").first()
            if membership is not None:
                start, end = _subscription_period(subscription)
                services.membership_link_subscription(order=membership.order, subscription_id=subscription["id"],
                                                      period_start=start, period_end=end)
                membership.refresh_from_db()
    return membership


@receiver(membership_subscription_started, dispatch_uid="memberships.stripe_started")
def link_the_subscription(sender, *, order, subscription, **kwargs) -> None:
    start, end = _subscription_period(subscription)
    services.membership_link_subscription(order=order, subscription_id=subscription.get("id") or "",
                                          period_start=start, period_end=end)


@receiver(membership_subscription_event, dispatch_uid="memberships.stripe_event")
def follow_the_subscription(sender, *, event_type, subscription, invoice, created, **kwargs) -> None:
    """Renewed (invoice.paid), past due (invoice.payment_failed), paused, cancelling or ended
    (customer.subscription.updated/deleted), each through the service that keeps it once and in order."""
    membership = _membership_for(subscription)
    if membership is None:
        logger.info("stripe %s: subscription %s has no membership here, ignored", event_type, subscription.get("id"))
        return
    try:
        if event_type == "invoice.paid" and invoice is not None:
            if invoice.get("billing_reason") != "subscription_cycle" or invoice.get("status") != "paid":
                # The first period was paid through Checkout and granted with the order; other
                # invoices (a proration, a one-off) pay no new period.
                return
            start, end = _invoice_period(invoice, subscription)
            if start is not None:
                services.membership_renew(membership_id=membership.pk, period_start=start, period_end=end,
                                          invoice_id=invoice.get("id") or "", now=created, state_at=created,
                                          amount=_invoice_amount(invoice, membership.order.currency),
                                          provider_payment_id=membership_stripe.invoice_payment_intent(invoice))
        elif event_type == "invoice.payment_failed" and invoice is not None:
            if invoice.get("status") == "paid":
                return  # paid since: the failure is over
            services.membership_set_pay_url(membership_id=membership.pk,
                                            pay_url=invoice.get("hosted_invoice_url") or "",
                                            owner_id=membership.owner_id)
            services.membership_fail(membership_id=membership.pk, now=created, state_at=created)
        elif event_type == "customer.subscription.deleted" or subscription.get("status") in ("canceled",
                                                                                             "incomplete_expired"):
            services.membership_end(membership_id=membership.pk, now=created, state_at=created)
        elif event_type == "customer.subscription.updated":
            cancel_at = _timestamp(subscription.get("cancel_at"))
            if cancel_at is None and subscription.get("cancel_at_period_end"):
                cancel_at = _subscription_period(subscription)[1]
            services.membership_follow_stripe(membership_id=membership.pk, status=subscription.get("status") or "",
                                              cancel_at=cancel_at, paused=bool(subscription.get("pause_collection")),
                                              state_at=created)
    except services.MembershipError as error:
        logger.info("stripe %s for membership %s not applied: %s", event_type, membership.pk, error.message)
