"""Model instances from one hand-written SELECT, for the few hot reads where compiling the ORM's
query costs more than everything else the page does (docs/performance.md: 1–1.5 ms of CPU to
compile a join of three tables with a subquery, 0.2 ms to run it and build the instances).

The columns come from the models' own metadata, in the order `Model.from_db` takes them, and each
value passes through the converters the ORM would apply (dates on SQLite, JSON, decimals), so a
row read here is the row the ORM reads. A test of each such read compares it with the ORM's.
"""
from __future__ import annotations

from django.db import connection
from django.db.models import Model


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of `model` under the table alias `alias`, for a SELECT list."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def column(model: type[Model], field_name: str) -> str:
    """The quoted column of one field (a foreign key's `…_id` column for a relation)."""
    return connection.ops.quote_name(model._meta.get_field(field_name).column)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _cached(operations, key, build):
    """`build()`, kept on the connection whose `ops` is `operations` (one per thread). Not in a
    module-level cache: the converters are bound to the connection, and such a cache would keep
    every thread's connection alive and open after the thread ended (PostgreSQL then refused to
    drop the test databases: "being accessed by other users")."""
    store = operations.connection.__dict__.setdefault("_raw_rows_converters", {})
    if key not in store:
        store[key] = build()
    return store[key]


def _converters(model: type[Model], operations) -> tuple[tuple[int, list, object], ...]:
    """(position, converters, column) of each field of `model` that has converters."""
    return _cached(operations, model, lambda: _field_converters_now(tuple(model._meta.concrete_fields), operations))


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


def _field_converters_now(fields: tuple, operations) -> tuple[tuple[int, list, object], ...]:
    found = []
    for index, field in enumerate(fields):
        if field is None:
            continue
        expression = field.cached_col
        converters = operations.get_db_converters(expression) + expression.get_db_converters(operations.connection)
        if converters:
            found.append((index, converters, expression))
    return tuple(found)


def _field_converters(fields: tuple, operations) -> tuple[tuple[int, list, object], ...]:
    """(position, converters, column) of each field in `fields` (None: a column of no field) that
    has converters, for the connection whose `ops` is `operations`."""
    return _cached(operations, fields, lambda: _field_converters_now(fields, operations))


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
