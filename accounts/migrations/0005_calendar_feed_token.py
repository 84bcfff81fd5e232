"""The owner's calendar feed token: added empty, one new token per existing owner, then unique."""
from django.db import migrations, models

import leadmonk.tokens


def give_each_owner_a_token(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(calendar_feed_token__isnull=True).only("pk"):
        user.calendar_feed_token = leadmonk.tokens.new_token()
        user.save(update_fields=["calendar_feed_token"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_subscription_unknown_price")]

    operations = [
        migrations.AddField(
            model_name="user", name="calendar_feed_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_each_owner_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user", name="calendar_feed_token",
            field=models.CharField(default=leadmonk.tokens.new_token, editable=False, max_length=64, unique=True),
        ),
    ]
