"""Purchase limits and private packages. Existing packages stay listed, without limits; each gets
its own private token (a callable default would give every existing row the same one)."""
from django.db import migrations, models
from django.db.models import Q

import django.db.models.deletion
import leadmonk.tokens


def give_each_package_a_token(apps, schema_editor):
    Package = apps.get_model("packages", "Package")
    for package in Package.objects.filter(private_token__isnull=True).only("pk").iterator():
        Package.objects.filter(pk=package.pk).update(private_token=leadmonk.tokens.new_token())


class Migration(migrations.Migration):

    dependencies = [
        ('packages', '0004_package_book_reminder'),
    ]

    operations = [
        migrations.AddField(
            model_name='package',
            name='max_orders_per_client',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='At most this many orders per client'),
        ),
        migrations.AddField(
            model_name='package',
            name='new_clients_only',
            field=models.BooleanField(default=False, verbose_name='New clients only'),
        ),
        migrations.AddField(
            model_name='package',
            name='listed',
            field=models.BooleanField(default=True, verbose_name='Listed on my booking page'),
        ),
        migrations.AddField(
            model_name='package',
            name='private_token',
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_each_package_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='package',
            name='private_token',
            field=models.CharField(default=leadmonk.tokens.new_token, editable=False, max_length=64, unique=True),
        ),
        migrations.AddConstraint(
            model_name='package',
            constraint=models.CheckConstraint(
                condition=Q(max_orders_per_client__isnull=True) | Q(max_orders_per_client__gte=1),
                name='package_max_orders_per_client_positive',
            ),
        ),
        migrations.CreateModel(
            name='PackageRetiredToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(max_length=64, unique=True)),
                ('retired_at', models.DateTimeField(auto_now_add=True)),
                ('package', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='retired_tokens', to='packages.package')),
            ],
        ),
    ]
