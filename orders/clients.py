"""Who a client is to an owner, by normalised email: one rule that purchase limits and promo codes
("new clients only") share, so the two never disagree about who counts as new."""
from django.db.models import QuerySet

from orders.models import PackageOrder


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
    """A new client has no earlier paid order with this owner. (Paid single sessions, when they
    land, count too: extend this function, never a copy of it.)"""
    return not paid_orders_of_client(owner_id=owner_id, email=email).exists()
