"""The test database comes from a template made by migrating (tests/database_template.py): it must
be the database the migrations on disk make, never an older one."""
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests import database_template


@pytest.mark.django_db
def test_the_test_database_has_every_migration_on_disk_applied():
    loader = MigrationLoader(connection)

    assert set(loader.applied_migrations) == set(loader.graph.nodes)


def test_the_templates_key_changes_with_any_migration_file(monkeypatch):
    from pathlib import Path

    before = database_template.schema_key("sqlite")
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read_bytes(path) + (
        b"# edited" if path.name == "0001_initial.py" and path.parent.parent.name == "orders" else b""))

    assert database_template.schema_key("sqlite") != before
    assert database_template.schema_key("postgresql") != database_template.schema_key("sqlite")
