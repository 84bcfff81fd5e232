"""Reads of the Clients page: the owner's clients, one client's history, and what an export holds.

The list reads the Clients table (clients.models.Client: one row per owner and normalised email on
their orders and bookings, with the figures the page shows), which clients.upkeep keeps in step with
every write of an order, booking, payment or ledger entry. A page is one keyset range of that table
in email order (the unique (owner, email) index), whatever the owner's history; a row whose next
session has begun since it was written has its last and next session read again from the bookings
(one query for the page's such rows, through the (owner, normalised email) index).

A client's page is addressed by a reference (an HMAC of owner and address, stored on the row),
never by the address, so no email lands in URLs, logs or browser history."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.db.models import Max, Min, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.http import QueryDict
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clients.models import Client, ClientErasure
from leadmonk import raw_rows
from leadmonk.client_email import normalize_email
from leadmonk.keyset import AFTER, BEFORE, KeysetPage
from notifications.models import Message
from orders.models import Gift, PackageOrder
from orders.selectors import order_list_for_owner
from payments.models import Payment
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


_ROW_FIELDS = ("email", "name", "orders", "reference", "paid", "sessions_left", "last_session", "next_session")


@functools.cache
def _rows_sql(*, search: bool, after: bool, before: bool) -> str:
    """The page's query, written once per shape (the ORM's compile was a third of the list's CPU)."""
    col, table = raw_rows.column, raw_rows.table
    where = [f"c.{col(Client, 'owner')} = %s"]
    if search:
        where.append(f"c.{col(Client, 'search')} LIKE %s ESCAPE '\\'")
    if after:
        where.append(f"c.{col(Client, 'email')} > %s")
    if before:
        where.append(f"c.{col(Client, 'email')} < %s")
    columns = ", ".join(f"c.{col(Client, name)}" for name in _ROW_FIELDS)
    return (f"SELECT {columns} FROM {table(Client)} c WHERE {' AND '.join(where)} "
            f"ORDER BY c.{col(Client, 'email')} {'DESC' if before else 'ASC'} LIMIT %s")


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _client_rows(owner_id: int, *, search: str, after: str | None = None, before: str | None = None,
                 limit: int) -> list[ClientRow]:
    """Clients in email order from the cursor, matching `search` in their address or any name they gave."""
    params = [owner_id]
    if search:
        params.append(_like(search))
    params += [cursor for cursor in (after, before) if cursor is not None]
    with connection.cursor() as cursor:
        cursor.execute(_rows_sql(search=bool(search), after=after is not None, before=before is not None),
                       [*params, limit])
        found = raw_rows.values(cursor.fetchall(), tuple(Client._meta.get_field(name) for name in _ROW_FIELDS))
    return [
        ClientRow(email=email, name=name, orders=orders, reference=reference,
                  paid=[(Decimal(amount), currency) for amount, currency in paid], sessions_left=left,
                  last_session=last, next_session=next_)
        for email, name, orders, reference, paid, left, last, next_ in found
    ]


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
    """The last and next session of the rows whose stored next session has begun since it was
    written (the rest are as stored): one query, only when there are such rows."""
    stale = [row for row in rows if row.next_session is not None and row.next_session < now]
    if not stale:
        return
    sessions = {
        row["who"]: row for row in
        Booking.objects.filter(owner=owner, status=BookingStatus.CONFIRMED)
        .annotate(who=Lower(Trim("client_email"))).filter(who__in=[row.email for row in stale]).values("who")
        .annotate(last=Max("start", filter=Q(start__lt=now)), next=Min("start", filter=Q(start__gte=now)))
        .order_by()
    }
    for row in stale:
        row.last_session = sessions.get(row.email, {}).get("last")
        row.next_session = sessions.get(row.email, {}).get("next")


@dataclass
class ErasureLine:
    """One line of the page's "Recent erasures": when, by whom (None: a removed user), the record."""
    erased_at: datetime
    email_hash: str
    erased_by: object | None


@functools.cache
def _erasures_sql() -> str:
    col, table = raw_rows.column, raw_rows.table
    user = ClientErasure._meta.get_field("erased_by").related_model
    return (
        f"SELECT e.{col(ClientErasure, 'erased_at')}, e.{col(ClientErasure, 'email_hash')}, u.{col(user, 'email')} "
        f"FROM {table(ClientErasure)} e LEFT JOIN {table(user)} u ON u.id = e.{col(ClientErasure, 'erased_by')} "
        f"WHERE e.{col(ClientErasure, 'owner')} = %s "
        f"ORDER BY e.{col(ClientErasure, 'erased_at')} DESC, e.id DESC LIMIT %s"
    )


def recent_erasures(*, owner, limit: int) -> list[ErasureLine]:
    """The owner's last `limit` erasures, newest first (the erasure log's order)."""
    with connection.cursor() as cursor:
        cursor.execute(_erasures_sql(), [owner.pk, limit])
        found = raw_rows.values(cursor.fetchall(), (ClientErasure._meta.get_field("erased_at"), None, None))
    return [ErasureLine(erased_at=at, email_hash=email_hash,
                        erased_by=SimpleNamespace(email=email) if email is not None else None)
            for at, email_hash, email in found]


# --- One client -----------------------------------------------------------------------------------


def client_email_for_reference(*, owner, reference: str) -> str | None:
    """The address behind one of this owner's client references, None when it names none of theirs
    (another owner's client, an erased one, or junk)."""
    if len(reference) != REFERENCE_LENGTH or any(char not in "0123456789abcdef" for char in reference):
        return None
    return Client.objects.filter(owner=owner, reference=reference).values_list("email", flat=True).first()


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
    gift_phones: list[str] = field(default_factory=list)  # given when buying a gift (orders.Gift.buyer_phone)
    gift_names: list[str] = field(default_factory=list)  # given when buying a gift (orders.Gift.buyer_name)

    @property
    def names(self) -> list[str]:
        """Every name the client gave, most recent first (then those given only when buying a gift)."""
        dated = sorted([(row.created_at, row.client_name) for row in (*self.orders, *self.bookings)], reverse=True)
        return list(dict.fromkeys([*(name for _created, name in dated), *self.gift_names]))

    @property
    def name(self) -> str:
        return (self.names or [self.email])[0]

    @property
    def phones(self) -> list[str]:
        phones = [row.client_phone for row in (*self.orders, *self.bookings)] + self.gift_phones
        return list(dict.fromkeys(phone for phone in phones if phone))

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
    "answers", "title", "status", "price", "tax_added", "currency", "discount", "promo_code", "paid_at", "paid_with",
    "expires_at", "cancelled_at", "created_at",
)


def client_history(*, owner, email: str, now: datetime | None = None) -> ClientHistory:
    """Everything the owner holds about one client: orders (with sessions used and left), bookings,
    payments, promo code uses and the messages sent about their orders and bookings (a gift's to
    whoever they went to: its buyer's in the buyer's history)."""
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
    # A gift's order is its recipient's, but what went to its buyer (the receipt, the note that it was
    # delivered, a refund) is the buyer's personal data: in the buyer's history, not the recipient's.
    bought = list(of_client(Gift.objects.filter(order__owner=owner), email, path="buyer_email")
                  .order_by("-pk").values_list("order_id", "buyer_phone", "buyer_name"))
    messages = [
        message for message in
        Message.objects.annotate(gift_buyer=Lower(Trim("order__gift__buyer_email")))
        .filter(Q(order_id__in=order_ids) | Q(booking_id__in=booking_ids)
                | Q(order_id__in=[order_id for order_id, _phone, _name in bought], recipient__iexact=email))
        .order_by("-created_at", "-pk")
        if message.gift_buyer in (None, email) or message.gift_buyer != normalize_email(message.recipient)
    ]
    redemptions = list(
        PromoRedemption.objects.filter(promo_code__owner=owner, client_email=email)
        .select_related("promo_code").order_by("-pk")
    )
    return ClientHistory(email=email, reference=client_reference(owner_id=owner.pk, email=email), orders=orders,
                         bookings=bookings, payments=payments, messages=messages, redemptions=redemptions,
                         now=now or timezone.now(), gift_phones=[phone for _order_id, phone, _name in bought],
                         gift_names=[name for _order_id, _phone, name in bought])

