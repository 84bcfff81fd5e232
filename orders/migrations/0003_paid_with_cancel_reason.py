"""Orders say which provider took the money (`paid_with`) and keep the owner's cancel reason.

Orders paid before this migration get `paid_with` from the payment that paid them (confirmed or
later refunded, not flagged), so their pages and receipts stop naming the package's Payment
Medium when another provider (the test checkout) took the money."""
from django.db import migrations, models

PROVIDER_LABELS = {"stripe": "Stripe", "paypal": "PayPal", "test": "Test provider"}


def fill_paid_with(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    PackageOrder = apps.get_model("orders", "PackageOrder")
    paying = (
        Payment.objects.filter(status__in=["confirmed", "refunded"], flagged=False)
        .order_by("order_id", "confirmed_at", "id")
        .values_list("order_id", "provider")
    )
    seen = set()
    for order_id, provider in paying:
        if order_id in seen:
            continue
        seen.add(order_id)
        PackageOrder.objects.filter(pk=order_id).update(paid_with=PROVIDER_LABELS.get(provider, provider))


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0002_initial"),
        ("payments", "0002_payment_token_connections"),
    ]

    operations = [
        migrations.AddField(
            model_name="packageorder",
            name="cancel_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="packageorder",
            name="paid_with",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.RunPython(fill_paid_with, migrations.RunPython.noop),
    ]
