"""Keeping the Clients table in step (clients.upkeep): every save or delete of an order, booking,
payment, credit-ledger entry or gift (its buyer's row) recomputes its client's row (a new booking adds itself to it), in
the writer's transaction; so does each signal a lower app sends where a `QuerySet.update()` changes
a client's rows."""
import functools

from django.db import connection
from django.db.models.signals import post_delete, post_save

from clients.upkeep import client_booking_added, client_refresh
from leadmonk import raw_rows
from orders import signals as order_signals
from orders.models import CreditLedgerEntry, Gift, OrderItem, PackageOrder
from payments.models import REFUNDABLE_STATUSES, Payment
from scheduling.models import Booking

# A save naming only other fields changes nothing the page shows (reminder flags, holds, notes…).
ORDER_FIELDS = frozenset({"owner", "client_email", "client_name"})
BOOKING_FIELDS = frozenset({"owner", "client_email", "client_name", "status", "start"})
PAYMENT_FIELDS = frozenset({"owner", "order", "booking", "status", "amount", "refunded_amount", "currency"})
GIFT_FIELDS = frozenset({"order", "buyer_email", "buyer_name"})


def _touches(update_fields, fields: frozenset) -> bool:
    return update_fields is None or not fields.isdisjoint(update_fields)


def order_saved(sender, instance: PackageOrder, created: bool, update_fields=None, **kwargs) -> None:
    if created or _touches(update_fields, ORDER_FIELDS):
        client_refresh(instance.owner_id, instance.client_email)


def booking_saved(sender, instance: Booking, created: bool, update_fields=None, **kwargs) -> None:
    if created:  # every booking: what it adds to the row, without a recompute
        client_booking_added(owner_id=instance.owner_id, email=instance.client_email, name=instance.client_name,
                             status=instance.status, start=instance.start)
    elif _touches(update_fields, BOOKING_FIELDS):
        client_refresh(instance.owner_id, instance.client_email)


def row_deleted(sender, instance, **kwargs) -> None:
    client_refresh(instance.owner_id, instance.client_email, create=False)


@functools.cache
def _order_client_sql() -> str:
    col = raw_rows.column
    return (f"SELECT {col(PackageOrder, 'owner')}, {col(PackageOrder, 'client_email')} "
            f"FROM {raw_rows.table(PackageOrder)} WHERE id = %s")


def _order_client(order_id: int) -> tuple[int, str] | None:
    """(owner id, address) of an order, written out: every confirmed payment of an order (a
    membership's renewal among them) asks, and the ORM's compile cost more than the read."""
    with connection.cursor() as cursor:
        cursor.execute(_order_client_sql(), [order_id])
        return cursor.fetchone()


def _payment_client(payment: Payment) -> tuple[int, str] | None:
    """(owner id, address) of the client a payment counts for: its order's, else its booking's. Read
    from the database, not from the instance's cached order: a gift handed over in this transaction
    rewrote the order's address with an update()."""
    if payment.order_id is not None:
        return _order_client(payment.order_id)
    if payment.booking_id is not None:
        if Payment.booking.is_cached(payment):  # a booking's address is never rewritten by an update()
            return payment.booking.owner_id, payment.booking.client_email
        return Booking.objects.filter(pk=payment.booking_id).values_list("owner_id", "client_email").first()
    return None


def payment_saved(sender, instance: Payment, created: bool, update_fields=None, **kwargs) -> None:
    if created and instance.status not in REFUNDABLE_STATUSES:
        return  # a payment started: nothing paid yet
    if created or _touches(update_fields, PAYMENT_FIELDS):
        who = _payment_client(instance)
        if who is not None:
            client_refresh(*who)


def payment_deleted(sender, instance: Payment, **kwargs) -> None:
    who = _payment_client(instance)
    if who is not None:
        client_refresh(*who, create=False)


def ledger_entry_saved(sender, instance: CreditLedgerEntry, **kwargs) -> None:
    who = OrderItem.objects.filter(pk=instance.order_item_id).values_list("order__owner_id", "order__client_email")
    for owner_id, email in who:
        client_refresh(owner_id, email)


def ledger_entry_deleted(sender, instance: CreditLedgerEntry, **kwargs) -> None:
    who = OrderItem.objects.filter(pk=instance.order_item_id).values_list("order__owner_id", "order__client_email")
    for owner_id, email in who:
        client_refresh(owner_id, email, create=False)


def _gift_buyer(gift: Gift) -> tuple[int, str] | None:
    """(owner id, address) of a gift's buyer, a client of the owner of its order."""
    who = _order_client(gift.order_id)
    return (who[0], gift.buyer_email) if who is not None else None


def gift_saved(sender, instance: Gift, created: bool, update_fields=None, **kwargs) -> None:
    if created or _touches(update_fields, GIFT_FIELDS):
        who = _gift_buyer(instance)
        if who is not None:
            client_refresh(*who)


def gift_deleted(sender, instance: Gift, **kwargs) -> None:
    who = _gift_buyer(instance)
    if who is not None:
        client_refresh(*who, create=False)


def order_placed(sender, order: PackageOrder, **kwargs) -> None:
    """After its items and their credits (written in bulk, so without post_save)."""
    client_refresh(order.owner_id, order.client_email)


def order_client_changed(sender, owner_id: int, emails: list[str], **kwargs) -> None:
    for email in emails:
        client_refresh(owner_id, email)


def connect() -> None:
    uid = "clients.table"
    post_save.connect(order_saved, sender=PackageOrder, dispatch_uid=f"{uid}.order_saved")
    post_delete.connect(row_deleted, sender=PackageOrder, dispatch_uid=f"{uid}.order_deleted")
    post_save.connect(booking_saved, sender=Booking, dispatch_uid=f"{uid}.booking_saved")
    post_delete.connect(row_deleted, sender=Booking, dispatch_uid=f"{uid}.booking_deleted")
    post_save.connect(payment_saved, sender=Payment, dispatch_uid=f"{uid}.payment_saved")
    post_delete.connect(payment_deleted, sender=Payment, dispatch_uid=f"{uid}.payment_deleted")
    post_save.connect(ledger_entry_saved, sender=CreditLedgerEntry, dispatch_uid=f"{uid}.ledger_saved")
    post_delete.connect(ledger_entry_deleted, sender=CreditLedgerEntry, dispatch_uid=f"{uid}.ledger_deleted")
    post_save.connect(gift_saved, sender=Gift, dispatch_uid=f"{uid}.gift_saved")
    post_delete.connect(gift_deleted, sender=Gift, dispatch_uid=f"{uid}.gift_deleted")
    order_signals.order_placed.connect(order_placed, dispatch_uid=f"{uid}.order_placed")
    order_signals.order_client_changed.connect(order_client_changed, dispatch_uid=f"{uid}.order_client_changed")
