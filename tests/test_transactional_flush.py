"""What a transactional test leaves is gone before the next one, as with Django's own flush, while
the content types and permissions that migrate made stay (tests/database.py)."""
import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import TransactionTestCase

from packages.models import Package
from tests import make_package
from tests.database import flush_keeping_what_migrate_made, tables_migrate_fills


def _rows_per_table() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True)
def test_the_flush_empties_every_table_but_the_content_types_and_permissions(owner):
    make_package(owner)
    content_types, permissions = set(ContentType.objects.values_list("pk", "app_label", "model")), Permission.objects.count()

    flush_keeping_what_migrate_made(connection.alias)

    left = {table: count for table, count in _rows_per_table().items() if count}
    assert set(left) == tables_migrate_fills()
    assert Package.objects.count() == 0
    assert set(ContentType.objects.values_list("pk", "app_label", "model")) == content_types
    assert Permission.objects.count() == permissions


@pytest.mark.django_db(transaction=True)
def test_what_the_flush_keeps_is_what_post_migrate_would_write_again():
    before = set(ContentType.objects.values_list("app_label", "model")), set(Permission.objects.values_list("codename", "content_type__model"))

    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

    after = set(ContentType.objects.values_list("app_label", "model")), set(Permission.objects.values_list("codename", "content_type__model"))
    assert after == before
    assert {(model._meta.app_label, model._meta.model_name) for model in apps.get_models()} <= before[0]


@pytest.mark.django_db
def test_transactional_tests_flush_this_way():
    assert getattr(TransactionTestCase._fixture_teardown, "_keeps_what_migrate_made", False)
