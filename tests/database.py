"""Database helpers of the tests: which engine runs, and real threads racing for a row."""
import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def race(count: int, attempt: Callable[[int], object], refusal: type[Exception]) -> tuple[int, list[str]]:
    """Run `attempt(i)` in `count` real threads released together by a barrier (each on its own
    database connection). Returns (successes, messages of the `refusal` exceptions raised); any
    other exception fails the test."""
    barrier = threading.Barrier(count)
    successes, refusals, errors = [], [], []

    def run(index: int) -> None:
        try:
            barrier.wait()
            attempt(index)
            successes.append(index)
        except refusal as refused:
            refusals.append(getattr(refused, "message", str(refused)))
        except Exception as error:  # reported by the assertion below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert errors == []
    return len(successes), refusals


# --- The flush after a transactional test --------------------------------------------------------
# After each transactional test (django_db(transaction=True), live_server: the browser tests, the
# races) Django empties every table and then sends post_migrate, whose receivers write the content
# types and permissions again, one query per model: 95 % of the flush's CPU (about 70 ms a test).
# Those two tables hold what migrate made, which no test changes: they are left as they are and
# post_migrate is not sent. Every other table is emptied exactly as Django's flush empties it.

def tables_migrate_fills() -> set[str]:
    """The tables post_migrate writes (contenttypes and auth), which the flush keeps."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    return {ContentType._meta.db_table, Permission._meta.db_table}


def flush_keeping_what_migrate_made(database: str) -> None:
    """Django's `flush` without post_migrate: every table emptied but those post_migrate fills."""
    from django.core.management.color import no_style
    from django.db import connections

    connection = connections[database]
    kept = tables_migrate_fills()
    tables = [table for table in connection.introspection.django_table_names(only_existing=True, include_views=False)
              if table not in kept]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))


def install_flush() -> None:
    """Make TransactionTestCase (what pytest-django runs a transactional test in) flush with
    flush_keeping_what_migrate_made. A test case that limits its apps or restores serialized data
    keeps Django's own teardown."""
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    if getattr(original, "_keeps_what_migrate_made", False):
        return

    def _fixture_teardown(self):
        if self.available_apps is not None or self.serialized_rollback:
            return original(self)
        for database in self._databases_names(include_mirrors=False):
            flush_keeping_what_migrate_made(database)

    _fixture_teardown._keeps_what_migrate_made = True
    TransactionTestCase._fixture_teardown = _fixture_teardown
