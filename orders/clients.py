"""Who a client is to an owner, by normalised email: one rule that purchase limits and promo codes
("new clients only") share, so the two never disagree about who counts as new.

An erased client's rows carry a pseudonym of their address (leadmonk.client_email), and every
question here asks about both, so an erasure does not reset a client's limits."""
from django.db.models import Q, QuerySet

from leadmonk.client_email import emails_of_client, normalize_email
from orders.models import OrderStatus, PackageOrder
from scheduling.models import Booking

__all__ = ["client_is_new", "normalize_email", "orders_toward_purchase_limit", "paid_orders_of_client"]


def _is_client(email: str) -> Q:
    """Rows of this client: their address (any case) or, once erased, its pseudonym."""
    address, *erased = emails_of_client(email) or [""]
    return Q(client_email__iexact=address) | Q(client_email__in=erased)


def paid_orders_of_client(*, owner_id: int, email: str) -> QuerySet[PackageOrder]:
    """Orders of this client with this owner that were paid for (complimentary ones count: the
    client has had the owner's sessions), whatever their status since (refunded, cancelled…)."""
    return PackageOrder.objects.filter(_is_client(email), owner_id=owner_id, paid_at__isnull=False)


def client_is_new(*, owner_id: int, email: str) -> bool:
    """A new client has no earlier paid order with this owner and no paid single session (a
    booking whose payment was confirmed, whatever happened since). The one rule of "new client":
    extend this function, never a copy of it. Orders sits below payments, so the session's payment
    is reached through the booking's reverse relation (payments.Payment.booking, related_name
    "payments") rather than an import."""
    if paid_orders_of_client(owner_id=owner_id, email=email).exists():
        return False
    return not Booking.objects.filter(
        _is_client(email), owner_id=owner_id, payments__confirmed_at__isnull=False
    ).exists()


def orders_toward_purchase_limit(*, package_id: int, email: str) -> QuerySet[PackageOrder]:
    """The orders of this package by this client that count toward its "at most N orders per
    client": those paid for (and not refunded: a refund undoes the sale), and those still waiting
    for payment, so two tabs cannot each order the last one allowed. An unpaid order stops
    counting once it expires (payments' expiry task) or is cancelled."""
    return PackageOrder.objects.filter(_is_client(email), package_id=package_id).filter(
        Q(status=OrderStatus.PENDING_PAYMENT) | (Q(paid_at__isnull=False) & ~Q(status=OrderStatus.REFUNDED))
    )
