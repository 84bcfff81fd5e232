"""Give the orders placed before the credit ledger their ledger: a purchase grant of each item's
quantity, and a debit for each of its confirmed bookings (which then hold their credit).
Cancelled bookings gave their credit back, so they need no entry. Items that already have
entries are left alone, so running it twice changes nothing."""
from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    OrderItem = apps.get_model("orders", "OrderItem")
    Entry = apps.get_model("orders", "CreditLedgerEntry")
    Booking = apps.get_model("scheduling", "Booking")
    now = timezone.now()
    items = OrderItem.objects.filter(ledger__isnull=True).select_related("order").order_by("pk")
    for item in items.iterator(chunk_size=500):
        entries = [Entry(order_item_id=item.pk, change=item.quantity, reason="purchase",
                         created_at=item.order.created_at or now, note="Opening balance")] if item.quantity else []
        held = list(Booking.objects.filter(order_item_id=item.pk, status="confirmed").order_by("start", "pk"))
        entries += [Entry(order_item_id=item.pk, change=-1, reason="booking", booking_id=booking.pk,
                          created_at=booking.created_at or now) for booking in held]
        Entry.objects.bulk_create(entries)
        Booking.objects.filter(pk__in=[booking.pk for booking in held]).update(credit_held=True)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_credit_ledger"),
        ("scheduling", "0003_booking_attendance_credit_held"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
