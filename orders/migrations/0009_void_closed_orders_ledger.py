"""Void what is left on the items of orders that were cancelled or refunded before the credit
ledger existed. 0005 gave every item its purchase grant and the debits of its confirmed bookings,
but the void that order_cancel and a refund now write at the close was never written for them:
their ledger showed sessions left on an order that has none (the exports' "Sessions left", every
sum). An item of a closed order with credits left and no void entry gets one, dated when the order
closed; running it again finds none."""
from django.db import migrations
from django.db.models import Sum
from django.utils import timezone

VOID_REASON = {"cancelled": "order_cancelled", "refunded": "refund"}


def void_closed(apps, schema_editor):
    OrderItem = apps.get_model("orders", "OrderItem")
    Entry = apps.get_model("orders", "CreditLedgerEntry")
    items = (
        OrderItem.objects.filter(order__status__in=list(VOID_REASON))
        .exclude(ledger__reason__in=list(VOID_REASON.values()))
        .annotate(left=Sum("ledger__change")).filter(left__gt=0)
        .select_related("order").order_by("pk")
    )
    Entry.objects.bulk_create(
        Entry(order_item_id=item.pk, change=-item.left, reason=VOID_REASON[item.order.status],
              note="Voided with the order (closed before the credit ledger)",
              created_at=item.order.cancelled_at or item.order.updated_at or timezone.now())
        for item in items.iterator(chunk_size=500)
    )


class Migration(migrations.Migration):
    dependencies = [("orders", "0008_order_nudges")]

    operations = [migrations.RunPython(void_closed, migrations.RunPython.noop)]
