"""The hot reads' prepared statements (leadmonk.prepared): prepared once per PostgreSQL connection,
kept by a rollback, prepared again on a new connection, and plain SQL elsewhere or when turned off."""
import pytest
from django.db import connection, transaction
from django.db.utils import DataError
from django.test.utils import CaptureQueriesContext

from leadmonk import prepared
from tests import make_owner

OWNERS_SQL = "SELECT id, email FROM accounts_user WHERE id >= %s AND email LIKE %s ORDER BY id"


def run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return cursor.fetchall()


def server_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_the_placeholders_are_numbered_and_escaped_percents_made_plain():
    assert prepared._numbered("SELECT 1 WHERE a = %s AND b LIKE 'x%%' AND c = %s") == \
        "SELECT 1 WHERE a = $1 AND b LIKE 'x%' AND c = $2"


def test_a_statement_is_named_by_its_text():
    assert prepared.statement_name(OWNERS_SQL) == prepared.statement_name(OWNERS_SQL)
    assert prepared.statement_name(OWNERS_SQL) != prepared.statement_name(OWNERS_SQL + " DESC")


def test_turned_off_the_statement_runs_as_it_is(owner, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False

    with CaptureQueriesContext(connection) as queries:
        rows = run(OWNERS_SQL, [owner.pk, "%@example.com"])

    assert rows == [(owner.pk, owner.email)]
    assert [query["sql"].startswith("SELECT id, email") for query in queries.captured_queries] == [True]


@pytest.mark.postgres
def test_prepared_once_per_connection_then_executed_with_the_same_rows(owner):
    other = make_owner(email="second@example.com", slug="second")
    sql = OWNERS_SQL + " /* once */"
    name = prepared.statement_name(sql)
    assert name not in server_statements()

    with CaptureQueriesContext(connection) as queries:
        first = run(sql, [owner.pk, "%@example.com"])
        second = run(sql, [other.pk, "%@example.com"])

    assert first == [(owner.pk, owner.email), (other.pk, other.email)]
    assert second == [(other.pk, other.email)]
    # The PREPARE is the connection's set-up: the caller's queries are the two EXECUTEs.
    assert [query["sql"].split("(")[0] for query in queries.captured_queries] == [f"EXECUTE {name}"] * 2
    assert name in server_statements()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rollback_keeps_the_statement_and_a_new_connection_prepares_it_again():
    owner = make_owner(email="owner@example.com", slug="coach")
    sql = "SELECT id, 10 / %s FROM accounts_user WHERE id = %s"
    name = prepared.statement_name(sql)

    # The EXECUTE fails (division by zero) and the transaction rolls back; PostgreSQL keeps what
    # was prepared in it, and so does the record: the next run does not prepare it twice.
    with pytest.raises(DataError), transaction.atomic():
        run(sql, [0, owner.pk])
    assert name in server_statements()
    with transaction.atomic():
        assert run(sql, [5, owner.pk]) == [(owner.pk, 2)]

    connection.close()  # a new connection has no prepared statements
    assert name not in server_statements()
    assert run(sql, [2, owner.pk]) == [(owner.pk, 5)]
    assert name in server_statements()
