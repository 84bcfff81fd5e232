"""Payment tokens (filled for existing rows one by one, then made unique), checkout and refund
references, and the owners' provider connections."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import scheduling.models


def fill_tokens(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    for payment in Payment.objects.filter(token__isnull=True).only("pk"):
        payment.token = scheduling.models.new_token()
        payment.save(update_fields=["token"])


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="token",
            field=models.CharField(max_length=64, null=True, editable=False),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="token",
            field=models.CharField(default=scheduling.models.new_token, editable=False, max_length=64, unique=True),
        ),
        migrations.AddField(
            model_name="payment",
            name="checkout_url",
            field=models.URLField(blank=True, max_length=2000),
        ),
        migrations.AddField(
            model_name="payment",
            name="destination_account",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="payment",
            name="refund_reference",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.CreateModel(
            name="PaymentConnection",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("provider", models.CharField(choices=[("stripe", "Stripe"), ("paypal", "PayPal"), ("test", "Test provider")], max_length=16)),
                ("account_id", models.CharField(blank=True, max_length=255)),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("is_active", models.BooleanField(default=False)),
                ("connected_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="payment_connections", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("owner", "provider"), name="paymentconnection_unique_owner_provider")],
            },
        ),
    ]
