"""Someone who gave a gift is a client too (clients.upkeep reads the gifts they bought by owner and
normalised address): the index that read goes through, and the rows of the buyers there are, whose
gifts' orders became their recipients' once paid (0002's backfill read no gifts)."""
from django.db import migrations

CREATE = "CREATE INDEX client_gift_buyer_email ON orders_gift (LOWER(TRIM(buyer_email)))"
DROP = "DROP INDEX client_gift_buyer_email"


def backfill(apps, schema_editor):
    """The rows missing from the table: gift buyers with no order or booking of their own."""
    from clients.selectors import client_reference
    from clients.upkeep import all_figures

    sources = tuple(apps.get_model(name) for name in (
        "orders.PackageOrder", "scheduling.Booking", "payments.Payment", "orders.CreditLedgerEntry", "orders.Gift"))
    client = apps.get_model("clients", "Client")
    have = set(client.objects.values_list("owner_id", "email"))
    client.objects.bulk_create(
        [client(owner_id=owner, email=email, reference=client_reference(owner_id=owner, email=email), **row)
         for (owner, email), row in all_figures(sources=sources).items() if (owner, email) not in have],
        batch_size=2000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0002_client"),
        ("orders", "0020_gift_buyer_phone"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
