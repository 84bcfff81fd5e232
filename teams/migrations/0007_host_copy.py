"""HostCopy: a register of every host's copy of a team meeting type that outlives the host row.
The copies of today's hosts are registered; a copy whose host row was deleted before this
migration is no longer linked to anything, so it stays out (its member gets a new copy if added back)."""

import django.db.models.deletion
from django.db import migrations, models


def register_current_copies(apps, schema_editor):
    TeamHost = apps.get_model("teams", "TeamHost")
    HostCopy = apps.get_model("teams", "HostCopy")
    HostCopy.objects.bulk_create(
        HostCopy(team_meeting_type_id=team_meeting_type_id, meeting_type_id=meeting_type_id)
        for team_meeting_type_id, meeting_type_id in
        TeamHost.objects.order_by("pk").values_list("team_meeting_type_id", "meeting_type_id"))


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0013_held_expiry_index'),
        ('teams', '0006_team_meeting_type_phone_caller'),
    ]

    operations = [
        migrations.CreateModel(
            name='HostCopy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('meeting_type', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='team_copy', to='scheduling.meetingtype')),
                ('team_meeting_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='copies', to='teams.teammeetingtype')),
            ],
        ),
        migrations.RunPython(register_current_copies, migrations.RunPython.noop),
    ]
