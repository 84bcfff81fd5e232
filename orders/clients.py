"""Who a client is to an owner, by normalised email: one rule that purchase limits and promo codes
("new clients only") share, so the two never disagree about who counts as new."""
from django.db.models import Q, QuerySet

from orders.models import OrderStatus, PackageOrder
from scheduling.models import Booking


def normalize_email(email: str) -> str:
    """The form every client email is stored and compared in (orders, bookings)."""
    return (email or "").strip().lower()


def paid_orders_of_client(*, owner_id: int, email: str) -> QuerySet[PackageOrder]:
    """Orders of this client with this owner that were paid for (complimentary ones count: the
    client has had the owner's sessions), whatever their status since (refunded, cancelled…)."""
    return PackageOrder.objects.filter(
        owner_id=owner_id, client_email__iexact=normalize_email(email), paid_at__isnull=False
    )


def client_is_new(*, owner_id: int, email: str) -> bool:
    """A new client has no earlier paid order with this owner and no paid single session (a
    booking whose payment was confirmed, whatever happened since). The one rule of "new client":
    extend this function, never a copy of it. Orders sits below payments, so the session's payment
    is reached through the booking's reverse relation (payments.Payment.booking, related_name
    "payments") rather than an import."""
    if paid_orders_of_client(owner_id=owner_id, email=email).exists():
        return False
    return not Booking.objects.filter(
        owner_id=owner_id, client_email__iexact=normalize_email(email), payments__confirmed_at__isnull=False
    ).exists()


def orders_toward_purchase_limit(*, package_id: int, email: str) -> QuerySet[PackageOrder]:
    """The orders of this package by this client that count toward its "at most N orders per
    client": those paid for (and not refunded: a refund undoes the sale), and those still waiting
    for payment, so two tabs cannot each order the last one allowed. An unpaid order stops
    counting once it expires (payments' expiry task) or is cancelled."""
    return PackageOrder.objects.filter(package_id=package_id, client_email__iexact=normalize_email(email)).filter(
        Q(status=OrderStatus.PENDING_PAYMENT) | (Q(paid_at__isnull=False) & ~Q(status=OrderStatus.REFUNDED))
    )
