"""Migrating the test database back and forth in the migration tests, at a fraction of the CPU.

Django's executor, before unapplying migrations, renders the model classes of the project state at
the first of them and then keeps them rendered while it walks the plan, reloading every related
model at each operation of every migration in between (a user model that ~100 models point at):
that walk, not the SQL, took 12 of the 14 CPU-seconds of rolling back the 19 migrations above
orders 0002. Here the states before each migration are computed as plain model states (cheap) and
each is rendered once, just before its migration is unapplied. The same migrations run, with the
same operations, in the same order: only when the states are rendered differs.

On the embedded SQLite, rolling back is done once per set of migration files: `migrate` keeps a
copy of the database it rolled back (var/test-db/before/, keyed like the test database's template
by every migration file and Django's version, and by the targets) and, the next time a test asks
for the same targets, copies it back instead of unapplying the migrations again (SQLite's backup
API, as tests/database_template.py). Only a database holding no rows but those migrate writes is
copied or restored, so a snapshot never carries a test's rows and no test's rows are lost. What
the tests test, the forward migrations on the old rows, runs every time."""
import contextlib
import hashlib
import os
import sqlite3

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class MigrationTestExecutor(MigrationExecutor):
    def _migrate_all_backwards(self, plan, full_plan, fake):
        # Django's own (django/db/migrations/executor.py), but for `state.apps` (the rendering).
        migrations_to_run = {m[0] for m in plan}
        states = {}
        state = self._create_project_state()
        applied_migrations = {
            self.loader.graph.nodes[key] for key in self.loader.applied_migrations if key in self.loader.graph.nodes
        }
        for migration, _ in full_plan:
            if not migrations_to_run:
                break
            if migration in migrations_to_run:
                states[migration] = state
                state = migration.mutate_state(state, preserve=True)
                migrations_to_run.remove(migration)
            elif migration in applied_migrations:
                migration.mutate_state(state, preserve=False)

        for migration, _ in plan:
            states[migration].apps  # noqa: B018 - rendered once, for this migration's operations
            self.unapply_migration(states[migration], migration, fake=fake)
            applied_migrations.remove(migration)

        last_unapplied_migration = plan[-1][0]
        state = states[last_unapplied_migration]
        del state.apps
        for index, (migration, _) in enumerate(full_plan):
            if migration == last_unapplied_migration:
                for migration, _ in full_plan[index:]:
                    if migration in applied_migrations:
                        migration.mutate_state(state, preserve=False)
                break
        return state


def migrate(targets) -> MigrationTestExecutor:
    """Migrate the test database to `targets` ([(app, migration name)]; the leaf nodes for the
    latest) and return the executor (its loader knows the states). On SQLite, an empty database is
    rolled back from the copy an earlier rollback to the same targets left (see the module's
    docstring)."""
    snapshot = _snapshot_path(targets)
    if snapshot is None:
        executor = MigrationTestExecutor(connection)
        executor.migrate(targets)
        return executor
    from tests.database_template import _lock

    with _lock(str(snapshot)):
        if snapshot.exists():
            _restore(snapshot)
        else:
            MigrationTestExecutor(connection).migrate(targets)
            _save(snapshot)
            for old in snapshot.parent.glob("*.sqlite3"):
                if not old.name.startswith(snapshot.name.split("-")[0]):
                    old.unlink(missing_ok=True)
    return MigrationTestExecutor(connection)  # its loader reads the applied migrations again


def _snapshot_path(targets):
    """Where the rolled-back database of `targets` is kept, or None where none is used: not on
    SQLite in memory, or when the database is not at the latest migrations, or holds rows a
    snapshot must not take or a restore would lose."""
    from tests import database, database_template

    if (connection.vendor != "sqlite" or not database_template.enabled()
            or not connection.creation.is_in_memory_db(connection.settings_dict["NAME"])
            or connection.in_atomic_block):
        return None
    connection.ensure_connection()
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return None  # not at the latest migrations (a migration test failed before it got back there)
    kept = database.tables_migrate_fills() | {"django_migrations"}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table not in kept and cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                return None
    folder = database_template.SQLITE_TEMPLATES / "before"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = hashlib.sha256(repr(sorted(targets)).encode()).hexdigest()[:8]
    return folder / f"{database_template.schema_key('sqlite')}-{wanted}.sqlite3"


def _restore(snapshot) -> None:
    with contextlib.closing(sqlite3.connect(snapshot)) as source:
        source.backup(connection.connection)


def _save(snapshot) -> None:
    partial = snapshot.with_suffix(f".{os.getpid()}.tmp")
    with contextlib.closing(sqlite3.connect(partial)) as target:
        connection.connection.backup(target)
    os.replace(partial, snapshot)


def migrate_to_latest() -> None:
    executor = MigrationTestExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def reset_to_latest() -> None:
    """End a migration test: the test database at the latest migrations, empty, as the other
    tests expect it. On SQLite in memory a copy of the migrated template (tests/database_template.py),
    not the rest of the forward migrations; elsewhere migrate_to_latest (the test's rows are then
    emptied by the transactional test's flush)."""
    from tests import database_template

    template = database_template.SQLITE_TEMPLATES / f"{database_template.schema_key('sqlite')}.sqlite3"
    if (connection.vendor == "sqlite" and database_template.enabled() and template.exists()
            and connection.creation.is_in_memory_db(connection.settings_dict["NAME"])):
        _restore(template)
    else:
        migrate_to_latest()
