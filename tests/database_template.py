"""Migrate the test database once, not once per xdist worker and run.

Applying the project's migrations costs each worker about 6 CPU-seconds on SQLite (rendering the
model states of ~80 migrations), more on PostgreSQL. The schema depends only on the migration files
and Django, so the first worker to need it migrates as usual and keeps a copy, the template; every
other worker, and every later run while no migration changes, copies the template instead:
- SQLite: the migrated in-memory database is backed up to var/test-db/<key>.sqlite3 and restored
  into each worker's in-memory database with SQLite's backup API (what Django's own parallel test
  runner does to give each worker its database);
- PostgreSQL: a database <test name>_tpl_<key> is made from the migrated one, and each worker's
  test database is created from it (CREATE DATABASE ... TEMPLATE ..., a file copy).
The key hashes every migration file, Django's version and the engine, so a new or edited migration
makes a new template (older ones are removed). The migrations still run, exactly as before, for
each new template: nothing is squashed and no schema is built from the models instead.
LEADMONK_TEST_DB_TEMPLATE=0 turns this off (every worker migrates)."""
import contextlib
import fcntl
import hashlib
import os
import sqlite3
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
SQLITE_TEMPLATES = BASE_DIR / "var" / "test-db"
_creating = {"active": False}


def enabled() -> bool:
    return os.environ.get("LEADMONK_TEST_DB_TEMPLATE", "1") not in ("0", "false", "")


def install() -> None:
    """Wrap Django's create_test_db so that its `migrate` call copies the template when there is
    one, and makes it when there is not. Other `migrate` calls (the migration tests) are untouched."""
    from django.core import management
    from django.db.backends.base.creation import BaseDatabaseCreation

    if getattr(BaseDatabaseCreation.create_test_db, "_from_template", False) or not enabled():
        return
    original_create, original_call_command = BaseDatabaseCreation.create_test_db, management.call_command

    def create_test_db(self, *args, **kwargs):
        _creating["active"] = self.connection
        try:
            return original_create(self, *args, **kwargs)
        finally:
            _creating["active"] = False

    def call_command(name, *args, **kwargs):
        connection = _creating["active"]
        if name == "migrate" and connection and kwargs.get("database") == connection.alias:
            return _migrate_from_template(connection, lambda: original_call_command(name, *args, **kwargs))
        return original_call_command(name, *args, **kwargs)

    create_test_db._from_template = True
    BaseDatabaseCreation.create_test_db = create_test_db
    management.call_command = call_command


def schema_key(vendor: str) -> str:
    """Every migration file of the installed apps, with the apps themselves and Django's version."""
    import django
    from django.apps import apps

    digest = hashlib.sha256(f"{django.get_version()} {vendor} {[app.name for app in apps.get_app_configs()]}".encode())
    for app in sorted(apps.get_app_configs(), key=lambda app: app.label):
        migrations = Path(app.path) / "migrations"
        for path in sorted(migrations.glob("*.py")) if migrations.is_dir() else []:
            digest.update(f"{app.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def _lock(name: str):
    """One worker at a time makes or copies a template (the others wait, then copy it)."""
    path = Path(tempfile.gettempdir()) / f"leadmonk-test-db-{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _migrate_from_template(connection, migrate) -> None:
    if connection.vendor == "sqlite":
        _sqlite(connection, migrate)
    elif connection.vendor == "postgresql":
        _postgresql(connection, migrate)
    else:
        migrate()


def _sqlite(connection, migrate) -> None:
    if not connection.creation.is_in_memory_db(connection.settings_dict["NAME"]):
        migrate()
        return
    key = schema_key("sqlite")
    template = SQLITE_TEMPLATES / f"{key}.sqlite3"
    SQLITE_TEMPLATES.mkdir(parents=True, exist_ok=True)
    with _lock(str(template)):
        connection.ensure_connection()
        if template.exists():
            source = sqlite3.connect(template)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            return
        migrate()
        partial = template.with_suffix(f".{os.getpid()}.tmp")
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, template)
        for old in SQLITE_TEMPLATES.glob("*.sqlite3"):
            if old != template:
                old.unlink(missing_ok=True)


def _postgresql(connection, migrate) -> None:
    test_name = connection.settings_dict["NAME"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base = test_name[: -len(worker) - 1] if worker and test_name.endswith(f"_{worker}") else test_name
    stem = f"{base[:40]}_tpl_"
    template = f"{stem}{schema_key('postgresql')}"
    quote = connection.ops.quote_name
    with _lock(f"{connection.settings_dict.get('HOST')}:{connection.settings_dict.get('PORT')}/{template}"):
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            exists = cursor.fetchone() is not None
        if exists:
            # The worker's database was just created empty: make it again as a copy of the template.
            connection.close()
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE {quote(test_name)}")
                cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
            return
        migrate()
        connection.close()  # a database with a connection open cannot be a template
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [stem.replace("_", r"\_") + "%"])
            for (old,) in cursor.fetchall():
                with contextlib.suppress(Exception):
                    cursor.execute(f"DROP DATABASE {quote(old)}")
            cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(test_name)}")
