"""The Clients table (clients.models.Client) kept in step with the rows it summarises.

One rule for every write: when an order, booking, payment, credit-ledger entry or gift bought of a
client changes, their row is recomputed from the source rows (`client_refresh`), inside the writer's
transaction, so it commits or rolls back with it. A new booking, the commonest write, adds itself
to the row as it is instead (`client_booking_added`: one query, not four), which gives the same
row. clients.receivers calls it from the models'
post_save/post_delete and from the signals the lower apps send for their `QuerySet.update()`s that
change what the page shows (orders.signals.order_client_changed; the erasure deletes the row itself).

Race-safe on PostgreSQL: the row is first inserted or, if it is there, locked (one INSERT … ON
CONFLICT DO UPDATE, which waits for another transaction writing the same client), and only then
are the source rows read, in new statements that see what that other transaction committed. Two
bookings of the same new client at once give one row, counting both.

The source rows of a client are found by LOWER(TRIM(client_email)) with the owner, through the
expression indexes the migration 0002 creates on orders and bookings (they are not in those apps'
models: only this read uses them)."""
from __future__ import annotations

import bisect
import functools
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from clients.models import Client
from leadmonk import raw_rows
from leadmonk.client_email import is_erased_email, normalize_email
from leadmonk.content_version import orders_changed
from orders.models import CreditLedgerEntry, Gift, OrderItem, PackageOrder
from payments.models import REFUNDABLE_STATUSES, Payment
from scheduling.models import Booking, BookingStatus

SOURCES = (PackageOrder, Booking, Payment, CreditLedgerEntry, Gift)


def _client_reference(owner_id: int, email: str) -> str:
    from clients.selectors import client_reference  # the selectors read this table: import late

    return client_reference(owner_id=owner_id, email=email)


def _of(queryset, email: str):
    return queryset.alias(_client=Lower(Trim("client_email"))).filter(_client=email)


@functools.cache
def _lock_sql() -> str:
    col, table = raw_rows.column, raw_rows.table
    return (
        f"INSERT INTO {table(Client)} ({col(Client, 'owner')}, email, reference, name, search, orders, bookings, "
        f"paid, sessions_left) VALUES (%s, %s, %s, '', '', 0, 0, '[]', 0) "
        f"ON CONFLICT ({col(Client, 'owner')}, email) DO UPDATE SET email = EXCLUDED.email RETURNING id"
    )


def _lock(owner_id: int, email: str, *, create: bool) -> int | None:
    """The client's row id, the row locked until the transaction ends (created first, empty, if
    `create`); None when there is no row."""
    if not create:
        return Client.objects.select_for_update().filter(owner_id=owner_id, email=email).values_list(
            "pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(), [owner_id, email, _client_reference(owner_id, email)])
        return cursor.fetchone()[0]


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids)) or "NULL"


@functools.cache
def _rows_sql() -> str:
    """The client's orders and bookings (kind 0 or 1, id, name, status, start) and the gifts they
    bought (kind 2: once paid, a gift's order is its recipient's, but its buyer paid, was sent the
    receipt and gave their details): one query through the (owner, normalised email) indexes."""
    col, table = raw_rows.column, raw_rows.table
    order_where = f"o.{col(PackageOrder, 'owner')} = %s AND LOWER(TRIM(o.{col(PackageOrder, 'client_email')})) = %s"
    booking_where = f"b.{col(Booking, 'owner')} = %s AND LOWER(TRIM(b.{col(Booking, 'client_email')})) = %s"
    gift_where = f"go.{col(PackageOrder, 'owner')} = %s AND LOWER(TRIM(g.{col(Gift, 'buyer_email')})) = %s"
    return (
        f"SELECT 0, o.id, o.{col(PackageOrder, 'client_name')}, '', NULL FROM {table(PackageOrder)} o "
        f"WHERE {order_where} UNION ALL "
        f"SELECT 1, b.id, b.{col(Booking, 'client_name')}, b.{col(Booking, 'status')}, b.{col(Booking, 'start')} "
        f"FROM {table(Booking)} b WHERE {booking_where} UNION ALL "
        f"SELECT 2, g.id, g.{col(Gift, 'buyer_name')}, '', NULL FROM {table(Gift)} g "
        f"JOIN {table(PackageOrder)} go ON go.id = g.{col(Gift, 'order')} WHERE {gift_where}"
    )


def _money_sql(order_ids: list[int], booking_ids: list[int]) -> str:
    """Kept money per currency (kind 0) and the sessions left (kind 1) of the client's rows."""
    col, table = raw_rows.column, raw_rows.table
    order, booking = col(Payment, "order"), col(Payment, "booking")
    kept = f"p.{col(Payment, 'amount')} - p.{col(Payment, 'refunded_amount')}"
    return (
        f"SELECT 0, p.{col(Payment, 'currency')}, SUM({kept}) "
        f"FROM {table(Payment)} p WHERE p.{col(Payment, 'owner')} = %s "
        f"AND p.{col(Payment, 'status')} IN ({_in(list(REFUNDABLE_STATUSES))}) "
        f"AND (p.{order} IN ({_in(order_ids)}) OR (p.{order} IS NULL AND p.{booking} IN ({_in(booking_ids)}))) "
        f"GROUP BY p.{col(Payment, 'currency')} UNION ALL "
        f"SELECT 1, '', SUM(l.{col(CreditLedgerEntry, 'change')}) FROM {table(CreditLedgerEntry)} l "
        f"JOIN {table(OrderItem)} i ON i.id = l.{col(CreditLedgerEntry, 'order_item')} "
        f"WHERE i.{col(OrderItem, 'order')} IN ({_in(order_ids)})"
    )


def client_figures(owner_id: int, email: str, *, now: datetime | None = None) -> dict | None:
    """The row of (owner, email) as recomputed from the source rows (two queries); None when they
    have no order, booking or gift bought."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_rows_sql(), [owner_id, email, owner_id, email, owner_id, email])
        found = raw_rows.values(cursor.fetchall(), (None, None, None, None, Booking._meta.get_field("start")))
        if not found:
            return None
        order_ids = [pk for kind, pk, *_rest in found if kind == 0]
        booking_ids = [pk for kind, pk, *_rest in found if kind == 1]
        cursor.execute(_money_sql(order_ids, booking_ids),
                       [owner_id, *REFUNDABLE_STATUSES, *order_ids, *booking_ids, *order_ids])
        money = raw_rows.values(cursor.fetchall(), (None, None, Payment._meta.get_field("amount")))
    # Paid and kept: a partly refunded payment counts what was not given back. A payment for an
    # order is its order client's (as the order's page says), else its booking's.
    paid = [[str(total), currency] for kind, currency, total in sorted(money, key=lambda row: (row[0], row[1]))
            if kind == 0 and total is not None]
    left = sum(int(total) for kind, _currency, total in money if kind == 1 and total is not None)
    confirmed = [start for kind, _pk, _name, status, start in found if kind == 1 and status == BookingStatus.CONFIRMED]
    names = [name for _kind, _pk, name, _status, _start in found]
    return {
        "name": max(names),  # as the page always showed it (SQL MAX: the database collates C.UTF-8)
        "search": "\n".join([email, *sorted({name.lower() for name in names})]),
        "orders": len(order_ids),
        "bookings": len(booking_ids),
        "paid": paid,
        "sessions_left": left,
        "last_session": max((start for start in confirmed if start < now), default=None),
        "next_session": min((start for start in confirmed if start >= now), default=None),
    }


def client_refresh(owner_id: int, email: str, *, create: bool = True) -> None:
    """Recompute the row of (owner, email) from the source rows: created when they have some (only
    if `create`: a delete never creates one), deleted when they have none. An erased client's
    pseudonym has no row."""
    email = normalize_email(email)
    if not email or not owner_id:
        return
    if is_erased_email(email):
        Client.objects.filter(owner_id=owner_id, email=email).delete()
        return
    with transaction.atomic(savepoint=False):  # no SAVEPOINT queries inside the writer's transaction
        pk = _lock(owner_id, email, create=create)
        if pk is not None:
            _recompute(pk, owner_id, email)


def _recompute(pk: int, owner_id: int, email: str) -> None:
    figures = client_figures(owner_id, email)
    if figures is None:
        Client.objects.filter(pk=pk).delete()
    else:
        Client.objects.filter(pk=pk).update(**figures)


@functools.cache
def _booking_added_sql(vendor: str) -> str:
    """Insert the client's row counting the new booking, or add the booking to the row that is there
    (locked as in client_refresh), in one statement; returning what client_booking_added checks.
    Names compare by code point, as Python's max() and SQL MAX (C.UTF-8) did: COLLATE "C" on
    PostgreSQL, SQLite's own (binary) comparison. A session adds itself to the last or next one
    only when it is later or sooner (the VALUES carry None for the other)."""
    col, table = raw_rows.column, raw_rows.table
    client, owner = table(Client), col(Client, "owner")
    by_code_point = ' COLLATE "C"' if vendor == "postgresql" else ""

    def kept(name: str, better: str) -> str:
        this, old = f"EXCLUDED.{col(Client, name)}", f"{client}.{col(Client, name)}"
        return (f"{col(Client, name)} = CASE WHEN {old} IS NULL OR {this} {better} {old} "
                f"THEN COALESCE({this}, {old}) ELSE {old} END")

    name = col(Client, "name")
    return (
        f"INSERT INTO {client} ({owner}, email, reference, {name}, search, orders, bookings, paid, sessions_left, "
        f"last_session, next_session) VALUES (%s, %s, %s, %s, %s, 0, 1, '[]', 0, %s, %s) "
        f"ON CONFLICT ({owner}, email) DO UPDATE SET "
        f"{name} = CASE WHEN EXCLUDED.{name}{by_code_point} > {client}.{name}{by_code_point} "
        f"THEN EXCLUDED.{name} ELSE {client}.{name} END, "
        f"bookings = {client}.bookings + 1, {kept('last_session', '>')}, {kept('next_session', '<')} "
        f"RETURNING id, search, orders, bookings, next_session"
    )


@functools.cache
def _search_sql() -> str:
    return f"UPDATE {raw_rows.table(Client)} SET search = %s WHERE id = %s"


def client_booking_added(*, owner_id: int, email: str, name: str, status: str, start: datetime) -> None:
    """A booking was made for (owner, email) (its row just inserted): their row counts it, created
    with it for a new client. What a new booking changes is added to the row as it is, in one
    statement (INSERT … ON CONFLICT DO UPDATE: the row created, or locked as in client_refresh and
    added to) where a recompute takes four: every booking comes here. A second query writes the
    names one a line (`search`) only when a known client books under a name new to their row.

    Exact as long as the row was (the table is kept in step in every writer's transaction; a row
    of no order, booking or gift bought does not exist, so a row with no order and this one booking
    has only it, and a gift buyer's names if any: written again when they are not this one). It
    recomputes the row when the addition could differ from it: a next session that has begun
    since the row was written (which sessions are past is then unknown; the addition keeps that
    next session, so the row returned still shows it), or a name holding a line break (the names
    are kept one a line in `search`)."""
    email = normalize_email(email)
    if not email or not owner_id or is_erased_email(email) or "\n" in name:
        client_refresh(owner_id, email)
        return
    now = timezone.now()
    last_session = next_session = None
    if status == BookingStatus.CONFIRMED:
        if start < now:
            last_session = start
        else:
            next_session = start
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(_booking_added_sql(connection.vendor), [
            owner_id, email, _client_reference(owner_id, email), name, "\n".join([email, name.lower()]),
            adapt(last_session), adapt(next_session)])
        pk, search, orders, bookings, next_session = raw_rows.values(
            [cursor.fetchone()], (None, None, None, None, Client._meta.get_field("next_session")))[0]
        if orders == 0 and bookings == 1 and search == "\n".join([email, name.lower()]):
            return  # just inserted, with this booking only (or a gift buyer's row of this one name)
        names = search.split("\n")[1:]
        if (next_session is not None and next_session < now) or names != sorted(set(names)):
            _recompute(pk, owner_id, email)
        elif name.lower() not in names:
            bisect.insort(names, name.lower())
            cursor.execute(_search_sql(), ["\n".join([email, *names]), pk])


# --- The whole table (the migration's backfill, manage.py clients_table, bench seeding) ----------

def all_figures(owner_id: int | None = None, *, now: datetime | None = None,
                sources: tuple | None = None) -> dict[tuple[int, str], dict]:
    """Every client's figures (of one owner, or of all), recomputed from the source rows in five
    queries. `sources`: the models (PackageOrder, Booking, Payment, CreditLedgerEntry and Gift) to
    read, the migrations' historical ones in their backfills (0002's four: no gift buyers then)."""
    now = now or timezone.now()
    PackageOrder, Booking, Payment, CreditLedgerEntry, *gifts = sources or SOURCES  # noqa: N806
    orders = PackageOrder.objects.all() if owner_id is None else PackageOrder.objects.filter(owner_id=owner_id)
    bookings = Booking.objects.all() if owner_id is None else Booking.objects.filter(owner_id=owner_id)
    people: dict[tuple[int, str], dict] = {}

    def person(owner: int, email: str) -> dict:
        return people.setdefault((owner, email), {
            "names": set(), "orders": 0, "bookings": 0, "paid": defaultdict(Decimal), "sessions_left": 0,
            "last_session": None, "next_session": None})

    order_of: dict[int, tuple[int, str]] = {}
    for pk, owner, raw, name in orders.values_list("pk", "owner_id", "client_email", "client_name").iterator(
            chunk_size=5000):
        email = normalize_email(raw)
        if not email or is_erased_email(email):
            continue
        row = person(owner, email)
        row["names"].add(name)
        row["orders"] += 1
        order_of[pk] = (owner, email)
    booking_of: dict[int, tuple[int, str]] = {}
    for pk, owner, raw, name, status, start in bookings.values_list(
            "pk", "owner_id", "client_email", "client_name", "status", "start").iterator(chunk_size=5000):
        email = normalize_email(raw)
        if not email or is_erased_email(email):
            continue
        row = person(owner, email)
        row["names"].add(name)
        row["bookings"] += 1
        booking_of[pk] = (owner, email)
        if status == BookingStatus.CONFIRMED:
            if start < now:
                row["last_session"] = max(filter(None, [row["last_session"], start]))
            else:
                row["next_session"] = min(filter(None, [row["next_session"], start]))
    for gift_model in gifts:  # the buyers of gifts (the orders are their recipients' once paid)
        bought = (gift_model.objects.all() if owner_id is None
                  else gift_model.objects.filter(order__owner_id=owner_id))
        for owner, raw, name in bought.values_list("order__owner_id", "buyer_email", "buyer_name").iterator(
                chunk_size=5000):
            email = normalize_email(raw)
            if email and not is_erased_email(email):
                person(owner, email)["names"].add(name)
    payments = Payment.objects.filter(status__in=REFUNDABLE_STATUSES)
    if owner_id is not None:
        payments = payments.filter(owner_id=owner_id)
    for order_id, booking_id, payment_owner, currency, kept in payments.values_list(
            "order_id", "booking_id", "owner_id", "currency", F("amount") - F("refunded_amount")).iterator(
            chunk_size=5000):
        key = order_of.get(order_id) if order_id is not None else booking_of.get(booking_id)
        if key is not None and key[0] == payment_owner:
            people[key]["paid"][currency] += kept
    ledger = CreditLedgerEntry.objects.all() if owner_id is None else CreditLedgerEntry.objects.filter(
        order_item__order__owner_id=owner_id)
    for order_id, left in ledger.values("order_item__order_id").annotate(left=Sum("change")).values_list(
            "order_item__order_id", "left"):
        key = order_of.get(order_id)
        if key is not None:
            people[key]["sessions_left"] += left or 0
    figures = {}
    for (owner, email), row in people.items():
        names = row.pop("names")
        paid = row.pop("paid")
        figures[(owner, email)] = {
            **row, "name": max(names), "search": "\n".join([email, *sorted({name.lower() for name in names})]),
            "paid": [[str(paid[currency]), currency] for currency in sorted(paid)],
        }
    return figures


FIELDS = ("name", "search", "orders", "bookings", "paid", "sessions_left", "last_session", "next_session")


def _same(name: str, have, want) -> bool:
    if name == "paid":  # amounts compared as numbers ("240.000" is "240.00")
        return [(Decimal(amount), currency) for amount, currency in have] == \
            [(Decimal(amount), currency) for amount, currency in want]
    return have == want


def clients_rebuild(owner_id: int | None = None) -> int:
    """Rewrite the table (one owner's rows, or everyone's) from the source rows. Returns the rows
    written. For rows inserted in bulk (bench seeding, imports) and for repair; the owners' locks
    are not taken: run it when nothing writes, or for one owner at a time."""
    figures = all_figures(owner_id)
    with transaction.atomic():
        stale = Client.objects.all() if owner_id is None else Client.objects.filter(owner_id=owner_id)
        stale.delete()
        Client.objects.bulk_create(
            [Client(owner_id=owner, email=email, reference=_client_reference(owner, email), **row)
             for (owner, email), row in figures.items()],
            batch_size=2000,
        )
        # The Clients page is cached under the owners' ORDERS version (leadmonk.dashboard_pages).
        owners = {owner for owner, _email in figures} | ({owner_id} if owner_id else set())
        for owner in owners:
            orders_changed(owner_id=owner)
    return len(figures)


def clients_verify(owner_id: int | None = None) -> list[str]:
    """How the table differs from a recompute from the source rows, one line per client (empty: none).
    A next session that has begun since the row was written is not a difference (the page reads it
    again)."""
    now = timezone.now()
    expected = all_figures(owner_id, now=now)
    rows = Client.objects.all() if owner_id is None else Client.objects.filter(owner_id=owner_id)
    problems = []
    seen = set()
    for row in rows.iterator(chunk_size=2000):
        key = (row.owner_id, row.email)
        seen.add(key)
        want = expected.get(key)
        if want is None:
            problems.append(f"owner {row.owner_id}: a row for a client with no order or booking (id {row.pk})")
            continue
        have = {name: getattr(row, name) for name in FIELDS}
        if have["next_session"] is not None and have["next_session"] < now:
            have["last_session"], have["next_session"] = want["last_session"], want["next_session"]
        fields = [name for name in FIELDS if not _same(name, have[name], want[name])]
        if row.reference != _client_reference(*key):
            fields.append("reference")
        if fields:
            problems.append(f"owner {row.owner_id}: client row {row.pk} differs ({', '.join(fields)})")
    for key in expected.keys() - seen:
        problems.append(f"owner {key[0]}: a client with no row")
    return problems
