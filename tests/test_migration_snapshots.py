"""tests/migrations.py: a rollback copied from a snapshot is the rollback itself, a database with
rows or short of the latest migrations is never copied, and a migration test ends on the latest schema."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import make_owner
from tests.migrations import MigrationTestExecutor, _snapshot_path, migrate, reset_to_latest

pytestmark = pytest.mark.django_db(transaction=True)
# Two migrations to roll back (payments 0010, clients 0002): the cheapest target there is.
BEFORE = [("payments", "0009_payment_plans")]
on_sqlite_in_memory = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the snapshots are SQLite's (PostgreSQL always migrates)")


def _schema() -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        tables = cursor.fetchall()
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return tables, cursor.fetchall()


@on_sqlite_in_memory
def test_a_rollback_from_a_snapshot_is_the_rollback_itself():
    latest = _schema()
    MigrationTestExecutor(connection).migrate(BEFORE)
    rolled_back = _schema()
    # Short of the latest migrations (a migration test that failed half-way): never copied.
    assert _snapshot_path([("orders", "0002_initial")]) is None
    reset_to_latest()
    assert _schema() == latest

    migrate(BEFORE)  # makes the snapshot, or copies the one an earlier run made
    reset_to_latest()
    assert _snapshot_path(BEFORE).exists()
    executor = migrate(BEFORE)  # copies it
    assert _schema() == rolled_back != latest
    assert ("payments", "0010_payment_owner") not in executor.loader.applied_migrations
    reset_to_latest()
    assert _schema() == latest
    assert not MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())


@on_sqlite_in_memory
def test_a_database_with_rows_is_rolled_back_by_its_migrations_not_copied_over():
    owner = make_owner()
    assert _snapshot_path(BEFORE) is None
    migrate(BEFORE)
    assert connection.cursor().execute("SELECT email FROM accounts_user").fetchall() == [(owner.email,)]
    reset_to_latest()
