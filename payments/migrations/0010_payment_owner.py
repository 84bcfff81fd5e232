"""Payment.owner: the owner of the payment's order or booking, copied onto the payment so the
owner's payments list and totals read one indexed column (issue 32: the list joined every order
and booking of the site). Added empty, filled from the order or the booking, then required."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_owners(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    PackageOrder = apps.get_model("orders", "PackageOrder")
    Booking = apps.get_model("scheduling", "Booking")
    Payment.objects.filter(order__isnull=False).update(
        owner=models.Subquery(PackageOrder.objects.filter(pk=models.OuterRef("order_id")).values("owner_id")[:1]))
    Payment.objects.filter(booking__isnull=False).update(
        owner=models.Subquery(Booking.objects.filter(pk=models.OuterRef("booking_id")).values("owner_id")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("orders", "0018_order_client_language"),
        ("scheduling", "0011_booking_client_language"),
        ("payments", "0009_payment_plans"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="owner",
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="payments", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(fill_owners, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="owner",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="payments", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["owner", "-created_at", "-id"], name="payment_owner_newest"),
        ),
    ]
