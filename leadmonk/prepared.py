"""Server-side prepared statements for the few hot reads whose planning costs more than running
them (PostgreSQL: a new booking's meeting type under the owner's lock, 0.3 ms to plan and 0.06 ms to
run; its slot check's inputs). Elsewhere, and with settings.DATABASE_PREPARED_STATEMENTS off, the
statement runs as it is.

psycopg2 prepares nothing itself, so `execute` does what a driver would: `PREPARE` once per database
connection (the name is a digest of the SQL, so two texts never share one), then `EXECUTE name(...)`
with the same parameters, which PostgreSQL runs with the plan it keeps (a generic plan after five
runs, when that plan costs no more than the custom ones). A prepared statement belongs to the
server's session, not to a transaction: a rollback keeps it, a new connection (Django reconnects
after CONN_MAX_AGE, or after an error) has none, which is why what was prepared is remembered per
driver connection. A pooler that hands one client's statements to other server sessions
(PgBouncer in transaction mode) breaks this: turn the setting off there.
"""
import hashlib
import re

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

_PLACEHOLDER = re.compile(r"%([s%])")


def _numbered(sql: str) -> str:
    """`sql` with its psycopg2 placeholders (%s) numbered as PREPARE wants them ($1, $2, ...) and
    its escaped percent signs (%%) made plain: the body is sent without parameters."""
    numbers = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda match: f"${next(numbers)}" if match.group(1) == "s" else "%", sql)


def statement_name(sql: str) -> str:
    return "lm_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()


def enabled() -> bool:
    return connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS


def execute(cursor, sql: str, params: list) -> None:
    """Run `sql` (with %s placeholders) with `params` on `cursor` (of `connection`), prepared on
    PostgreSQL; read its rows from `cursor` as after `cursor.execute(sql, params)`.

    The PREPARE is sent once per connection on the driver's own cursor, as Django sends a new
    connection's `SET TIME ZONE`: it is the connection's set-up, not the caller's query, so query
    budgets count the EXECUTE alone whichever test first runs on a connection. It is recorded only
    once it has succeeded (a PREPARE that fails leaves nothing prepared)."""
    if not enabled():
        cursor.execute(sql, params)
        return
    name = statement_name(sql)
    prepared = _prepared_on_this_connection()
    if name not in prepared:
        with connection.connection.cursor() as setup:
            setup.execute(f"PREPARE {name} AS {_numbered(sql)}")
        prepared.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}", params)


def _prepared_on_this_connection() -> set[str]:
    """The names prepared on the thread's open driver connection. Kept on the thread's database
    wrapper with the driver connection they belong to: once Django has opened a new one (after
    CONN_MAX_AGE, an error, a health check), the record starts again empty."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    record = getattr(wrapper, "_leadmonk_prepared", None)
    if record is None or record[0] is not wrapper.connection:
        record = wrapper._leadmonk_prepared = (wrapper.connection, set())
    return record[1]
