"""The order status pipeline: one table of allowed moves and one guarded function that applies them.

Every change of an order's status goes through `order_transition`, which re-reads the row under a
lock, returns early when the order is already in the target status (so a replayed webhook or a
double click is a no-op), and refuses moves the table does not allow.
"""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from orders.models import OrderStatus, PackageOrder
from packages.models import ExpiryKind

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.ACTIVE, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
    OrderStatus.ACTIVE: {OrderStatus.CANCELLED, OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: {OrderStatus.REFUNDED},
    OrderStatus.EXPIRED: set(),
    OrderStatus.REFUNDED: set(),
}


class IllegalOrderTransition(Exception):
    def __init__(self, order: PackageOrder, target: str):
        self.order, self.target = order, target
        now, then = order.get_status_display().lower(), OrderStatus(target).label.lower()
        super().__init__(f"An order that is {now} cannot become {then}.")


def order_transition(*, order_id: int, target: str, paid_with: str = "") -> tuple[PackageOrder, bool]:
    """Move an order to `target`. Returns (order, changed); changed is False when it was already there.

    `paid_with` names the provider whose payment makes the order active (kept for receipts).

    Must run inside the caller's transaction (it locks the order row until that commits).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_transition must run inside transaction.atomic()")
    order = PackageOrder.objects.select_for_update().get(pk=order_id)
    if order.status == target:
        return order, False
    if target not in ALLOWED_TRANSITIONS[order.status]:
        raise IllegalOrderTransition(order, target)
    now = timezone.now()
    order.status = target
    fields = ["status", "updated_at"]
    if target == OrderStatus.ACTIVE:
        order.paid_at = now
        order.paid_with = paid_with
        fields += ["paid_at", "paid_with"]
        # "N days after purchase" starts when the order is paid (or, free, placed).
        if order.expiry_kind == ExpiryKind.AFTER_PURCHASE and order.expiry_days and order.expires_at is None:
            order.expires_at = now + timedelta(days=order.expiry_days)
            fields.append("expires_at")
    elif target in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        order.cancelled_at = now
        fields.append("cancelled_at")
    order.save(update_fields=fields)
    return order, True
