"""Void the sessions of orders that expired before they were paid. An order's items get their
purchase grant when it is placed; an order never paid for closes with none, as a cancelled or
refunded one does (0009), but the expiry of unpaid orders wrote no void: their ledger showed every
session left (the exports' "Sessions left", every sum). Running it again finds none."""
from django.db import migrations
from django.db.models import Sum
from django.utils import timezone

NOTE = "The order expired before it was paid"


def void_unpaid_expired(apps, schema_editor):
    OrderItem = apps.get_model("orders", "OrderItem")
    Entry = apps.get_model("orders", "CreditLedgerEntry")
    items = (
        OrderItem.objects.filter(order__status="expired")
        .annotate(left=Sum("ledger__change")).filter(left__gt=0)
        .select_related("order").order_by("pk")
    )
    Entry.objects.bulk_create(
        Entry(order_item_id=item.pk, change=-item.left, reason="expiry", note=NOTE,
              created_at=item.order.cancelled_at or item.order.updated_at or timezone.now())
        for item in items.iterator(chunk_size=500)
    )


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_void_closed_orders_ledger")]

    operations = [migrations.RunPython(void_unpaid_expired, migrations.RunPython.noop)]
