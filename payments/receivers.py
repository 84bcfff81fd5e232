"""Payments answers what packages and orders ask through their signals (they never import it)."""
from django.dispatch import receiver
from django.urls import reverse

from leadmonk.sections import render_to_section
from orders.signals import owner_order_page_parts
from packages.signals import payment_mediums_for_owner
from payments import services
from payments.connections import available_mediums
from payments.forms import OrderCancelRefundForm
from payments.models import PaymentConnection, Provider
from scheduling.setup import SetupStep
from scheduling.signals import setup_steps


@receiver(payment_mediums_for_owner, dispatch_uid="payments.mediums")
def mediums_for_owner(*, owner, **_) -> list[str]:
    return available_mediums(owner)


@receiver(owner_order_page_parts, dispatch_uid="payments.order_page")
def order_page_parts(*, request, order, **_) -> dict[str, str]:
    """The owner's order page: the refund box when a payment of the order can be refunded, and for
    a paid order "Cancel order" with "Refund the payment" (one query: the refundable payment)."""
    payment = services.refundable_payment(order)
    if payment is not None:
        payment.order = order  # the same row: needs_refund reads it without a query
    parts = {}
    if payment is not None:
        # The owner's own page: dates in the owner's zone (UTC for a request without a user).
        owner_tz = getattr(getattr(request, "user", None), "timezone", None) or "UTC"
        parts["refund"] = render_to_section(request, "payments/_order_refund_box.html",
                                            {"order": order, "payment": payment, "owner_tz": owner_tz})
    if order.paid_with:
        form = OrderCancelRefundForm(payment=payment)
        if payment is None or payment.provider == Provider.MANUAL:
            # Nothing to refund (yet), or money given outside the app that only the owner can give
            # back: no checkbox that does nothing.
            del form.fields["refund"]
        parts["cancel"] = render_to_section(request, "payments/_order_cancel_form.html",
                                            {"order": order, "form": form})
    return parts


@receiver(setup_steps, dispatch_uid="payments.setup_step")
def payments_setup_step(*, owner, **_) -> list[SetupStep]:
    """The checklist's "Connect payments" (one query), on the plans that sell paid sessions."""
    if not owner.has_paid_sessions:
        return []
    return [SetupStep(
        order=40, key="payments", label="Connect payments",
        done=PaymentConnection.objects.filter(owner=owner, is_active=True).exists(),
        url=reverse("accounts:settings") + "#payments", action="Connect Stripe or PayPal",
        hint="Where your clients' money goes.",
    )]
