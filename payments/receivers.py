"""Payments answers what packages and orders ask through their signals (they never import it)."""
from django.dispatch import receiver

from leadmonk.sections import render_to_section
from orders.signals import owner_order_page_sections
from packages.signals import payment_mediums_for_owner
from payments import services
from payments.connections import available_mediums


@receiver(payment_mediums_for_owner, dispatch_uid="payments.mediums")
def mediums_for_owner(*, owner, **_) -> list[str]:
    return available_mediums(owner)


@receiver(owner_order_page_sections, dispatch_uid="payments.order_refund")
def order_refund_section(*, request, order, **_) -> str:
    """The refund box of the owner's order page, when a payment of the order can be refunded."""
    payment = services.refundable_payment(order)
    if payment is None:
        return ""
    return render_to_section(request, "payments/_order_refund_box.html", {"order": order, "payment": payment})
