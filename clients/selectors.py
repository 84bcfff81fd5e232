"""Reads of the Clients page: the owner's clients, one client's history, and what an export holds.

Why no `Client` table. A client is the normalised email on the owner's orders and bookings; the
page groups those rows by it when it is read (one grouped query over the owner's two tables, then
four queries for a page's 25 clients, whatever their history). A table keyed (owner, email) would be
a second copy of personal data that every write path must keep in step — order_create, an
owner-issued order, a gift whose recipient changes, a direct, paid, team or owner-made booking —
and that an erasure must reach too; a path that forgets it hides a client from the page a coach
uses to answer a data request, the one place that must miss nobody. Grouping on read cannot drift,
needs no backfill and adds nothing to the writes' pinned query budgets. It costs a scan of the
owner's order and booking rows per page (indexed by owner): milliseconds at thousands of rows.
Should an owner reach hundreds of thousands, a table filled from orders' and scheduling's signals
becomes worth its upkeep.

A client's page is addressed by a reference (an HMAC of owner and address), never by the address,
so no email lands in URLs, logs or browser history; resolving one reads the owner's distinct
addresses once."""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import F, IntegerField, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Lower, Trim
from django.http import QueryDict
from django.utils import timezone
from django.utils.crypto import salted_hmac

from leadmonk import raw_rows
from leadmonk.client_email import ERASED_DOMAIN, normalize_email
from leadmonk.keyset import AFTER, BEFORE, KeysetPage
from notifications.models import Message
from orders.models import CreditLedgerEntry, PackageOrder
from orders.selectors import order_list_for_owner
from payments.models import REFUNDABLE_STATUSES, Payment
from promotions.models import PromoRedemption
from scheduling.models import Booking, BookingStatus

PAGE_SIZE = 25
REFERENCE_LENGTH = 24
MAX_CURSOR_LENGTH = 320


def client_reference(*, owner_id: int, email: str) -> str:
    """The client's id in the owner's URLs: stable, unguessable, and meaningless to another owner."""
    value = f"{owner_id}:{normalize_email(email)}"
    return salted_hmac("clients.reference", value, algorithm="sha256").hexdigest()[:REFERENCE_LENGTH]


def of_client(queryset: QuerySet, email: str, *, path: str = "client_email") -> QuerySet:
    """The rows of `queryset` whose address at `path` is `email` once normalised (the grouping
    of the list: a row stored with other case or spaces is the same client)."""
    return queryset.alias(_client=Lower(Trim(path))).filter(_client=normalize_email(email))


# --- The list ------------------------------------------------------------------------------------


@dataclass
class ClientRow:
    email: str
    name: str
    orders: int
    reference: str = ""
    paid: list[tuple[Decimal, str]] = field(default_factory=list)  # (amount, currency), per currency
    sessions_left: int = 0
    last_session: datetime | None = None
    next_session: datetime | None = None


@functools.cache
def _people_sql() -> str:
    """Every (normalised email, name, is an order) of the owner's orders and bookings."""
    col, table = raw_rows.column, raw_rows.table
    return (
        f"SELECT LOWER(TRIM(o.{col(PackageOrder, 'client_email')})) AS email, o.{col(PackageOrder, 'client_name')} "
        f"AS name, 1 AS is_order FROM {table(PackageOrder)} o WHERE o.{col(PackageOrder, 'owner')} = %s "
        f"UNION ALL "
        f"SELECT LOWER(TRIM(b.{col(Booking, 'client_email')})), b.{col(Booking, 'client_name')}, 0 "
        f"FROM {table(Booking)} b WHERE b.{col(Booking, 'owner')} = %s"
    )


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _client_rows(owner_id: int, *, search: str, after: str | None = None, before: str | None = None,
                 limit: int) -> list[ClientRow]:
    """Clients (not erased) in email order from the cursor, matching `search` on name or email."""
    where, params = ["p.email NOT LIKE %s"], [owner_id, owner_id, f"%@{ERASED_DOMAIN}"]
    if search:
        where.append("(p.email LIKE %s ESCAPE '\\' OR LOWER(p.name) LIKE %s ESCAPE '\\')")
        params += [_like(search), _like(search)]
    if after is not None:
        where.append("p.email > %s")
        params.append(after)
    if before is not None:
        where.append("p.email < %s")
        params.append(before)
    order = "DESC" if before is not None else "ASC"
    sql = (f"SELECT p.email, MAX(p.name), SUM(p.is_order) FROM ({_people_sql()}) p WHERE {' AND '.join(where)} "
           f"GROUP BY p.email ORDER BY p.email {order} LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [ClientRow(email=email, name=name, orders=int(orders or 0)) for email, name, orders in cursor.fetchall()]


def _cursor(params: QueryDict, name: str) -> str | None:
    value = params.get(name)
    if not value or len(value) > MAX_CURSOR_LENGTH or "\x00" in value:
        return None  # a hand-edited cursor gives the first page, as leadmonk.keyset does
    return normalize_email(value)


def client_page(*, owner, params: QueryDict, search: str = "", size: int = PAGE_SIZE,
                now: datetime | None = None) -> KeysetPage:
    """One keyset page of the owner's clients in email order (leadmonk.keyset's links and
    cursors: `after=`/`before=` hold the edge row's email), each with its figures."""
    search = search.strip()
    after, before = _cursor(params, AFTER), None
    if after is None:
        before = _cursor(params, BEFORE)
    rows: list[ClientRow] = []
    has_previous = has_next = False
    if before is not None:
        rows = _client_rows(owner.pk, search=search, before=before, limit=size + 1)
        has_previous = len(rows) > size
        rows, has_next = rows[:size][::-1], True
        if not has_previous:
            rows = []  # back at the top: show the first page as it is, full
    elif after is not None:
        rows = _client_rows(owner.pk, search=search, after=after, limit=size + 1)
        has_next, has_previous = len(rows) > size, True
        rows = rows[:size]
    if not rows:
        rows = _client_rows(owner.pk, search=search, limit=size + 1)
        has_next, has_previous = len(rows) > size, False
        rows = rows[:size]
    _add_figures(owner, rows, now=now or timezone.now())
    others = params.copy()
    for name in (AFTER, BEFORE, "page"):
        others.pop(name, None)

    def link(name: str, row: ClientRow) -> str:
        query = others.copy()
        query[name] = row.email
        return query.urlencode()

    return KeysetPage(
        object_list=rows,
        previous_query=link(BEFORE, rows[0]) if has_previous and rows else "",
        next_query=link(AFTER, rows[-1]) if has_next and rows else "",
        previous_label="Previous", next_label="Next",
    )


def _add_figures(owner, rows: list[ClientRow], *, now: datetime) -> None:
    """Money paid, sessions left, last and next session of each row: one query each, for the page."""
    if not rows:
        return
    emails = [row.email for row in rows]
    paid: dict[str, list] = defaultdict(list)
    payments = (
        # Paid and kept: a partly refunded payment counts what was not given back.
        Payment.objects.filter(owner=owner, status__in=REFUNDABLE_STATUSES)
        .annotate(who=Coalesce(Lower(Trim("order__client_email")), Lower(Trim("booking__client_email"))))
        .filter(who__in=emails).values("who", "currency").annotate(total=Sum(F("amount") - F("refunded_amount")))
        .order_by("who", "currency")
    )
    for row in payments:
        paid[row["who"]].append((row["total"], row["currency"]))
    # The ledger's one spelling of a balance (the sum of the changes), per client here.
    left = dict(
        CreditLedgerEntry.objects.filter(order_item__order__owner=owner)
        .annotate(who=Lower(Trim("order_item__order__client_email"))).filter(who__in=emails)
        .values("who").annotate(left=Coalesce(Sum("change"), Value(0), output_field=IntegerField()))
        .order_by().values_list("who", "left")
    )
    sessions = {
        row["who"]: row for row in
        Booking.objects.filter(owner=owner, status=BookingStatus.CONFIRMED)
        .annotate(who=Lower(Trim("client_email"))).filter(who__in=emails).values("who")
        .annotate(last=Max("start", filter=Q(start__lt=now)), next=Min("start", filter=Q(start__gte=now)))
        .order_by()
    }
    for row in rows:
        row.reference = client_reference(owner_id=owner.pk, email=row.email)
        row.paid = paid.get(row.email, [])
        row.sessions_left = left.get(row.email, 0)
        row.last_session = sessions.get(row.email, {}).get("last")
        row.next_session = sessions.get(row.email, {}).get("next")


# --- One client -----------------------------------------------------------------------------------


def client_email_for_reference(*, owner, reference: str) -> str | None:
    """The address behind one of this owner's client references, None when it names none of theirs
    (another owner's client, an erased one, or junk)."""
    if len(reference) != REFERENCE_LENGTH or any(char not in "0123456789abcdef" for char in reference):
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT p.email FROM ({_people_sql()}) p WHERE p.email NOT LIKE %s",
                       [owner.pk, owner.pk, f"%@{ERASED_DOMAIN}"])
        for (email,) in cursor.fetchall():
            if client_reference(owner_id=owner.pk, email=email) == reference:
                return email
    return None


@dataclass
class ClientHistory:
    email: str
    reference: str
    orders: list[PackageOrder]
    bookings: list[Booking]
    payments: list[Payment]
    messages: list[Message]
    redemptions: list[PromoRedemption]
    now: datetime

    @property
    def names(self) -> list[str]:
        """Every name the client gave, most recent first."""
        dated = sorted([(row.created_at, row.client_name) for row in (*self.orders, *self.bookings)], reverse=True)
        return list(dict.fromkeys(name for _created, name in dated))

    @property
    def name(self) -> str:
        return (self.names or [self.email])[0]

    @property
    def phones(self) -> list[str]:
        return list(dict.fromkeys(row.client_phone for row in (*self.orders, *self.bookings) if row.client_phone))

    @property
    def upcoming(self) -> list[Booking]:
        return [booking for booking in self.bookings
                if booking.end > self.now and booking.status != BookingStatus.CANCELLED]

    @property
    def past(self) -> list[Booking]:
        upcoming = set(map(id, self.upcoming))
        return sorted((booking for booking in self.bookings if id(booking) not in upcoming),
                      key=lambda booking: booking.start, reverse=True)

    @property
    def answers(self) -> list[tuple[PackageOrder, dict]]:
        return [(order, answer) for order in self.orders for answer in order.answers or []]


# The order columns the client's page and export read (order_list_for_owner reads only its own).
ORDER_COLUMNS = (
    "client_name", "client_first_name", "client_last_name", "client_email", "client_phone", "client_timezone",
    "answers", "title", "status", "price", "currency", "discount", "promo_code", "paid_at", "paid_with",
    "expires_at", "cancelled_at", "created_at",
)


def client_history(*, owner, email: str, now: datetime | None = None) -> ClientHistory:
    """Everything the owner holds about one client: orders (with sessions used and left), bookings,
    payments, promo code uses and the messages sent about their orders and bookings."""
    email = normalize_email(email)
    orders = list(of_client(order_list_for_owner(owner=owner), email).only(*ORDER_COLUMNS))
    bookings = list(
        of_client(Booking.objects.filter(owner=owner), email)
        .select_related("meeting_type", "order_item__order").order_by("start", "pk")
    )
    order_ids, booking_ids = [order.pk for order in orders], [booking.pk for booking in bookings]
    payments = list(
        Payment.objects.filter(Q(order_id__in=order_ids) | Q(booking_id__in=booking_ids))
        .select_related("order", "booking__meeting_type").order_by("-created_at", "-pk")
    )
    messages = list(
        Message.objects.filter(Q(order_id__in=order_ids) | Q(booking_id__in=booking_ids))
        .order_by("-created_at", "-pk")
    )
    redemptions = list(
        PromoRedemption.objects.filter(promo_code__owner=owner, client_email=email)
        .select_related("promo_code").order_by("-pk")
    )
    return ClientHistory(email=email, reference=client_reference(owner_id=owner.pk, email=email), orders=orders,
                         bookings=bookings, payments=payments, messages=messages, redemptions=redemptions,
                         now=now or timezone.now())

