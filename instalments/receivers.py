"""How payment plans follow their order and its payments (orders.signals, payments.signals), and the
schedule on both order pages. Connected by InstalmentsConfig.ready; each runs inside the
transaction of what it hears about."""
from django.dispatch import receiver

from instalments import services
from instalments.selectors import plan_view
from leadmonk.sections import render_to_section
from orders.models import PackageOrder
from orders.signals import (
    order_activated,
    order_cancelled,
    order_page_sections,
    order_placed,
    owner_order_page_parts,
)
from payments.signals import order_payment_confirmed, order_payment_failed


@receiver(order_placed, dispatch_uid="instalments.plan_create")
def make_the_schedule(sender, *, order: PackageOrder, **_) -> None:
    services.plan_create(order=order)


@receiver(order_activated, dispatch_uid="instalments.given")
def settle_a_given_order(sender, *, order: PackageOrder, **_) -> None:
    if order.has_payment_plan and order.is_complimentary:
        services.plan_order_given(order=order)


@receiver(order_cancelled, dispatch_uid="instalments.order_closed")
def stop_charging(sender, *, order: PackageOrder, **_) -> None:
    if order.has_payment_plan:
        services.plan_order_closed(order=order)


@receiver(order_payment_confirmed, dispatch_uid="instalments.paid")
def instalments_paid(sender, *, payment, **_) -> None:
    if payment.order.has_payment_plan:
        services.plan_payment_confirmed(payment=payment)


@receiver(order_payment_failed, dispatch_uid="instalments.failed")
def instalments_failed(sender, *, payment, **_) -> None:
    services.plan_payment_failed(payment=payment)


@receiver(order_page_sections, dispatch_uid="instalments.client_order_page")
def client_schedule(*, request, order, **_) -> str:
    """The client's order page: the schedule, "Pay now" on a failed instalment, "Pay the rest now"."""
    view = plan_view(order)
    if view is None:
        return ""
    return render_to_section(request, "instalments/_client_schedule.html", {
        "order": order, "view": view, "zone": order.client_timezone or "UTC", "can_pay": order.is_active,
    })


@receiver(owner_order_page_parts, dispatch_uid="instalments.owner_order_page")
def owner_schedule(*, request, order, **_) -> dict:
    view = plan_view(order)
    if view is None:
        return {}
    zone = getattr(getattr(request, "user", None), "timezone", None) or "UTC"
    return {"payment_plan": render_to_section(request, "instalments/_owner_schedule.html",
                                              {"order": order, "view": view, "zone": zone})}
