"""Migrating the test database back and forth in the migration tests, at a fraction of the CPU.

Django's executor, before unapplying migrations, renders the model classes of the project state at
the first of them and then keeps them rendered while it walks the plan, reloading every related
model at each operation of every migration in between (a user model that ~100 models point at):
that walk, not the SQL, took 12 of the 14 CPU-seconds of rolling back the 19 migrations above
orders 0002. Here the states before each migration are computed as plain model states (cheap) and
each is rendered once, just before its migration is unapplied. The same migrations run, with the
same operations, in the same order: only when the states are rendered differs."""
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
    latest) and return the executor (its loader knows the states)."""
    executor = MigrationTestExecutor(connection)
    executor.migrate(targets)
    return executor


def migrate_to_latest() -> None:
    executor = MigrationTestExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
