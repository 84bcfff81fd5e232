"""Model instances from one hand-written SELECT, for the few hot reads where compiling the ORM's
query costs more than everything else the page does (docs/performance.md: 1–1.5 ms of CPU to
compile a join of three tables with a subquery, 0.2 ms to run it and build the instances); and
`insert`, bulk_create's rows in one INSERT without building instances, for the few hot writes.

The columns come from the models' own metadata, in the order `Model.from_db` takes them, and each
value passes through the converters the ORM would apply (dates on SQLite, JSON, decimals), so a
row read here is the row the ORM reads. A test of each such read compares it with the ORM's.
"""
from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import DateTimeField, Model
from django.db.models.constants import OnConflict
from django.utils import timezone


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of `model` under the table alias `alias`, for a SELECT list."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def column(model: type[Model], field_name: str) -> str:
    """The quoted column of one field (a foreign key's `…_id` column for a relation)."""
    return connection.ops.quote_name(model._meta.get_field(field_name).column)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# (vendor, fields) -> (position, column) of the fields whose values that backend converts. Never
# the converters themselves: they are bound to a connection, and a cache holding them kept every
# finished thread's connection open (PostgreSQL then refused to drop the test databases: "being
# accessed by other users"); they are asked for again on each read, for those few fields only.
_TO_CONVERT: dict[tuple[str, tuple], tuple[tuple[int, object], ...]] = {}


def _field_converters(fields: tuple, operations) -> tuple[tuple[int, list, object], ...]:
    """(position, converters, column) of each field in `fields` (None: a column of no field) that
    has converters, for the connection whose `ops` is `operations` (one per thread)."""
    connection_ = operations.connection
    key = (connection_.vendor, fields)
    to_convert = _TO_CONVERT.get(key)
    if to_convert is None:
        to_convert = _TO_CONVERT[key] = tuple(
            (index, field.cached_col) for index, field in enumerate(fields)
            if field is not None and (operations.get_db_converters(field.cached_col)
                                      + field.cached_col.get_db_converters(connection_))
        )
    return tuple(
        (index, operations.get_db_converters(expression) + expression.get_db_converters(connection_), expression)
        for index, expression in to_convert
    )


def _converters(model: type[Model], operations) -> tuple[tuple[int, list, object], ...]:
    """(position, converters, column) of each field of `model` that has converters."""
    return _field_converters(tuple(model._meta.concrete_fields), operations)


def instances(row: tuple, models: list[type[Model]]) -> tuple[list[Model], tuple]:
    """Split `row`, which starts with each of `models`' columns as `columns` lists them, into one
    instance of each (converted as the ORM converts them); also return the values left after them."""
    built, position = [], 0
    for model in models:
        count = len(model._meta.concrete_fields)
        values = list(row[position:position + count])
        for index, converters, expression in _converters(model, connection.ops):
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        built.append(model.from_db(connection.alias, None, values))
        position += count
    return built, row[position:]


def values(rows: list[tuple], fields: tuple) -> list[tuple]:
    """`rows` of plain values whose columns hold the fields in `fields` (None for a column of no
    field: a literal, a count), each value converted as the ORM converts that field's. The rows
    come back as they are when nothing needs converting (PostgreSQL's dates, times and integers)."""
    found = _field_converters(fields, connection.ops)
    if not found:
        return rows
    converted = []
    for row in rows:
        row_values = list(row)
        for index, converters, expression in found:
            for converter in converters:
                row_values[index] = converter(row_values[index], expression, connection)
        converted.append(tuple(row_values))
    return converted


# (vendor, model, rows, ignore_conflicts, returning) -> the INSERT of `insert`.
_INSERTS: dict[tuple, str] = {}


@functools.cache
def _insert_fields(model: type[Model]) -> tuple[tuple[object, bool], ...]:
    """(field, whether it is stamped with the time: auto_now, auto_now_add) of every column an
    INSERT of `model` writes."""
    return tuple((field, bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)))
                 for field in model._meta.concrete_fields if not field.primary_key)


def _insert_sql(model: type[Model], count: int, *, ignore_conflicts: bool, returning: bool) -> str:
    key = (connection.vendor, model, count, ignore_conflicts, returning)
    sql = _INSERTS.get(key)
    if sql is None:
        fields = [field for field, _stamped in _insert_fields(model)]
        on_conflict = OnConflict.IGNORE if ignore_conflicts else None
        row = f"({', '.join(['%s'] * len(fields))})"
        suffix = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
        sql = _INSERTS[key] = " ".join(filter(None, [
            f"{connection.ops.insert_statement(on_conflict=on_conflict)} {table(model)}",
            f"({', '.join(connection.ops.quote_name(field.column) for field in fields)})",
            f"VALUES {', '.join([row] * count)}", suffix,
            f"RETURNING {connection.ops.quote_name(model._meta.pk.column)}" if returning else "",
        ]))
    return sql


def insert(model: type[Model], rows: list[dict], *, ignore_conflicts: bool = False, returning: bool = True
           ) -> list[int]:
    """Write `rows` (each {field attname: value}; a field left out takes its default, an auto_now or
    auto_now_add date the time now) as `model.objects.bulk_create` would, in one INSERT; return the
    new rows' ids (none when not `returning`; with `ignore_conflicts`, those of the rows written).

    For the hot writes of few rows where building and compiling bulk_create's instances costs ten
    times the statement (two messages of a booking: 0.9 ms of CPU against 0.08 ms for a query). Like
    bulk_create, it sends no signal and calls no save(); each value is prepared as the ORM prepares it
    (get_db_prep_save: JSON, dates on SQLite, UUIDs). A test compares the rows with bulk_create's."""
    return insert_together([Insert(model, rows, ignore_conflicts=ignore_conflicts, returning=returning)])


@dataclass(frozen=True)
class Insert:
    """The rows of one `insert`, for `insert_together`."""

    model: type[Model]
    rows: list[dict]
    ignore_conflicts: bool = False
    returning: bool = True


def insert_together(inserts: list[Insert]) -> list[int]:
    """Each of `inserts` written as `insert` writes it, in that order, and the ids of the last (the
    others return nothing: only the last may be `returning`).

    On PostgreSQL in one round trip: the INSERTs joined by ";" in one execute, which psycopg2 sends
    as one query string and the server runs in order, in the caller's transaction; the first that
    fails raises (the ones after it do not run) and the caller's atomic block rolls back, as when
    they are sent one by one. SQLite takes one statement an execute: one after another there. For
    the writes of one flow that follow each other (a new booking's reminders and its messages), so
    that the flow reads as it did and only the round trips are fewer."""
    statements = [(insert_, _insert_statement(insert_)) for insert_ in inserts if insert_.rows]
    if any(insert_.returning for insert_, _statement in statements[:-1]):
        raise ValueError("Only the last INSERT of a batch returns its ids.")
    if not statements:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("; ".join(sql for _insert, (sql, _params) in statements),
                           [param for _insert, (_sql, params) in statements for param in params])
        else:
            for _insert, (sql, params) in statements:
                cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()] if statements[-1][0].returning else []


def _insert_statement(insert_: Insert) -> tuple[str, list]:
    fields = _insert_fields(insert_.model)
    now = timezone.now()
    # The connection itself, not the proxy `connection`: the values' preparation asks it for its
    # operations a few times per value, each a lookup of the thread's connection through the proxy.
    this_connection = connections[DEFAULT_DB_ALIAS]
    params = []
    for row in insert_.rows:
        for field, stamped in fields:
            if stamped:
                value = now if isinstance(field, DateTimeField) else datetime.date.today()  # as their pre_save
            elif field.attname in row:
                value = row[field.attname]
            else:
                value = field.get_default()
            params.append(field.get_db_prep_save(value, this_connection))
    sql = _insert_sql(insert_.model, len(insert_.rows), ignore_conflicts=insert_.ignore_conflicts,
                      returning=insert_.returning)
    return sql, params
