"""How memberships takes part in what orders announces (orders.signals): a paid membership order
starts its membership; a cancelled or refunded one ends it; the order pages (the client's, the
owner's) and the client portal's order cards show it with its buttons.
Connected by MembershipsConfig.ready."""
from django.conf import settings
from django.dispatch import receiver

from leadmonk.sections import render_to_section
from memberships import selectors, services
from memberships.models import MembershipStatus
from orders.signals import (
    client_order_cards_parts,
    order_activated,
    order_cancelled,
    order_page_sections,
    owner_order_page_parts,
)

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
    """The portal's cards of the client's orders: a membership's state and its buttons (one query)."""
    memberships = selectors.memberships_of_orders(order_ids=[order.pk for order in orders if order.is_membership])
    return {
        order.pk: render_to_section(request, "memberships/_client_controls.html",
                                    {**_context(request, order, memberships[order.pk]), "next_url": next_url})
        for order in orders if order.pk in memberships
    }
