"""`my` became a reserved slug with the client portal (/my/). An owner who held it could no longer be
reached at /my/ (the portal answers there), so their booking link moves to the first free `my-<n>`
(the suffix accounts.services gives a reserved name at sign-up); portal.checks reports any owner on
a reserved slug that comes in later."""
from django.db import migrations


def move_owner_off_my(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for owner in User.objects.filter(slug="my"):
        counter = 1
        while User.objects.filter(slug=f"my-{counter}").exists():
            counter += 1
        owner.slug = f"my-{counter}"
        owner.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("accounts", "0005_calendar_feed_token"),
    ]

    operations = [migrations.RunPython(move_owner_off_my, migrations.RunPython.noop)]
