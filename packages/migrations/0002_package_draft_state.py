"""Packages start as drafts (DESIGN rule 9).

Only the default changes: every package already in the database keeps the state it had. Before
this migration a package became active on its first save, so an existing package is one an owner
already published (most with Payment Preferences saved); turning those into drafts would take
them off sale without a word. New packages get the draft default from package_create.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('packages', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='package',
            name='state',
            field=models.CharField(choices=[('draft', 'Draft'), ('active', 'Active'), ('disabled', 'Disabled'), ('deleted', 'Deleted')], default='draft', max_length=16),
        ),
    ]
