"""Keyset ("newer / older") pagination for the dashboard lists.

Page numbers need a `COUNT(*)` over every matching row and an `OFFSET` that reads and throws away
the rows before the page, both growing with the owner's history. A keyset page instead asks for
the rows just past the last one shown (`WHERE (key, id) < (cursor)` ... `LIMIT size + 1`), one
index range scan whatever the size. The cursor is the sort key and id of the edge row, in the
query string as `after=` (the next page) or `before=` (the previous one). A cursor that does not
parse, or that points nowhere, gives the first page: a hand-edited URL is never a 500.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict

AFTER, BEFORE = "after", "before"
SEPARATOR = "~"


@dataclass
class KeysetPage:
    object_list: list
    previous_query: str = ""  # query string of the previous page ("" when this is the first)
    next_query: str = ""  # query string of the next page ("" when this is the last)
    previous_label: str = "Newer"
    next_label: str = "Older"

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.previous_query or self.next_query)


def _encode(row, key: str) -> str:
    value = getattr(row, key)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"{text}{SEPARATOR}{row.pk}"


def _decode(queryset: QuerySet, key: str, cursor: str | None):
    """(key value, id) of a cursor, or None when it does not parse."""
    if not cursor or SEPARATOR not in cursor or len(cursor) > 100:
        return None
    text, _, pk = cursor.rpartition(SEPARATOR)
    try:
        pk = int(pk)
        value = queryset.model._meta.get_field(key).to_python(text)
    except (ValueError, TypeError, ValidationError, OverflowError):
        return None
    if value is None or pk < 0 or pk > 2**63 - 1:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return None  # a naive datetime: the cursors we write always carry their offset
        try:
            # In UTC, as the database compares it: at the edges of the calendar (year 1 or 9999)
            # an offset moves it out of range, which the query would raise on.
            value = value.astimezone(dt.UTC)
        except OverflowError:
            return None
    return value, pk


def _past(key: str, value, pk: int, *, descending: bool) -> Q:
    """Rows that come after (value, pk) in the list's order."""
    if descending:
        return Q(**{f"{key}__lt": value}) | Q(**{key: value, "pk__lt": pk})
    return Q(**{f"{key}__gt": value}) | Q(**{key: value, "pk__gt": pk})


def keyset_page(queryset: QuerySet, params: QueryDict, *, key: str, descending: bool, size: int,
                previous_label: str = "Newer", next_label: str = "Older") -> KeysetPage:
    """One page of `queryset` ordered by (key, id), descending or ascending, from the `after` or
    `before` cursor in `params`; the links keep every other parameter (the filters)."""
    sign = "-" if descending else ""
    back = "" if descending else "-"
    forward = queryset.order_by(f"{sign}{key}", f"{sign}pk")
    others = params.copy()
    for name in (AFTER, BEFORE, "page"):
        others.pop(name, None)

    def link(name: str, row) -> str:
        query = others.copy()
        query[name] = _encode(row, key)
        return query.urlencode()

    after = _decode(queryset, key, params.get(AFTER))
    before = None if after else _decode(queryset, key, params.get(BEFORE))
    rows: list = []
    has_previous = has_next = False
    if before is not None:
        # The page just before the cursor: read backwards, then put the rows back in order.
        rows = list(queryset.filter(_past(key, *before, descending=not descending))
                    .order_by(f"{back}{key}", f"{back}pk")[: size + 1])
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
        has_next = True
        if not has_previous:
            rows = []  # back at the top: show the first page as it is, full
    elif after is not None:
        rows = list(forward.filter(_past(key, *after, descending=descending))[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = True
    if not rows:
        rows = list(forward[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = False
    return KeysetPage(
        object_list=rows,
        previous_query=link(BEFORE, rows[0]) if has_previous and rows else "",
        next_query=link(AFTER, rows[-1]) if has_next and rows else "",
        previous_label=previous_label,
        next_label=next_label,
    )
