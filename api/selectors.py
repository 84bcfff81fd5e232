"""Reads of the API: the key behind a request, and the owner's objects as the endpoints list them.

Every list is one owner's rows (the key's owner), newest first unless said otherwise, joined and
annotated so a page of any size runs a fixed number of queries (api/tests/test_query_budgets.py).
"""
from datetime import datetime

from django.db import connection
from django.db.models import Count, Max, Min, Prefetch, QuerySet
from django.db.models.functions import Lower

from api.models import ApiKey
from api.services import hash_key
from leadmonk import raw_rows
from leadmonk.client_email import ERASED_DOMAIN
from leadmonk.content_version import CONTENT, cached_fragment
from orders.clients import normalize_email
from orders.models import CreditLedgerEntry, OrderItem, PackageOrder, ledger_balance_sql
from orders.selectors import items_with_balances
from packages.models import Package, PackageItem
from payments.selectors import payments_for_owner
from scheduling.models import Booking, MeetingType

# The content_version kind of an owner's API keys: bumped by every save or delete of one of their
# keys (api.apps; a revoke saves the row), so a revoked or deleted key's cached row is unreachable at once.
API_KEYS = "api_keys"

# Key hash -> owner id, as read from the database by this process: which owner's versions to read
# along with the key's cached row (a key never changes owner, and a hash names one key for ever).
_key_owners: dict[str, int] = {}
KEY_OWNERS_MAX = 10_000


def api_key_for(key: str, *, cached: bool = False) -> ApiKey | None:
    """The key's row with its owner, revoked or not; None for an unknown key. One query; with
    `cached`, once this process has seen the key, one cache round trip and no query: the row is
    kept under its owner's versions of their content (the owner's row: active, time zone, plan...)
    and of their API keys, read before the row is, so any change since makes the entry unreachable
    (leadmonk.content_version). Without a cache it reads the database."""
    if not key or len(key) > 100:
        return None
    digest = hash_key(key)
    owner_id = _key_owners.get(digest) if cached else None
    if owner_id is None:
        api_key = _api_key_row(digest)
        if api_key is not None and cached:
            if len(_key_owners) >= KEY_OWNERS_MAX:
                _key_owners.clear()
            _key_owners[digest] = api_key.owner_id
        return api_key
    return cached_fragment(owner_id=owner_id, name="api_key", kinds=(CONTENT, API_KEYS), extra=digest,
                           render=lambda: _api_key_row(digest, secrets_left_out=True))


# The owner's columns that are secrets of their own: never copied into the cache. Deferred, so a
# read that needs one queries it, and a save writes only the columns that were loaded.
OWNER_SECRETS = ("owner__password", "owner__calendar_feed_token")


def _api_key_row(digest: str, *, secrets_left_out: bool = False) -> ApiKey | None:
    rows = ApiKey.objects.select_related("owner").filter(key_hash=digest)
    return (rows.defer(*OWNER_SECRETS) if secrets_left_out else rows).first()


def api_keys_for_owner(owner) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(owner=owner).order_by("revoked_at", "-created_at", "-id")


def meeting_types_for_api(owner) -> QuerySet[MeetingType]:
    """The owner's own meeting types (not team-hosted copies), deleted ones left out."""
    return MeetingType.objects.for_owner(owner).exclude(state="deleted").order_by("-created_at", "-id")


def meeting_type_for_api(owner, pk: int) -> MeetingType | None:
    return meeting_types_for_api(owner).select_related("owner").filter(pk=pk).first()


def packages_for_api(owner) -> QuerySet[Package]:
    items = PackageItem.objects.select_related("meeting_type").order_by("position", "id")
    return (Package.objects.filter(owner=owner).exclude(state="deleted")
            .prefetch_related(Prefetch("items", queryset=items)).order_by("-created_at", "-id"))


def orders_for_api(owner, **filters) -> QuerySet[PackageOrder]:
    """The owner's orders with their items and each item's balance (two queries a page); `filters`
    as _orders_filtered's."""
    return _orders_filtered(owner, **filters).prefetch_related(Prefetch("items", queryset=items_with_balances()))


def _orders_filtered(owner, *, status: str = "", email: str = "", created_after: datetime | None = None,
                     created_before: datetime | None = None) -> QuerySet[PackageOrder]:
    orders = PackageOrder.objects.filter(owner=owner)
    if status:
        orders = orders.filter(status=status)
    if email:
        orders = orders.filter(client_email__iexact=normalize_email(email))
    if created_after:
        orders = orders.filter(created_at__gte=created_after)
    if created_before:
        orders = orders.filter(created_at__lt=created_before)
    return orders.order_by("-created_at", "-id")


# What the order list shows of an order (api.serializers.order_list_data); `token` makes its client link.
ORDER_LIST_FIELDS = ("pk", "status", "package_id", "title", "client_name", "client_email", "client_phone",
                     "client_timezone", "price", "discount", "currency", "promo_code", "paid_with", "token",
                     "created_at", "paid_at", "cancelled_at", "expires_at")


def order_list_for_api(owner, **filters) -> QuerySet:
    """orders_for_api's orders as named rows of the columns the list shows (ORDER_LIST_FIELDS, the
    keyset cursor's `pk` and `created_at` among them), no model instances and no prefetch: the
    page's items come from order_item_rows (one hand-written query)."""
    return _orders_filtered(owner, **filters).values_list(*ORDER_LIST_FIELDS, named=True)


# The columns of an order item the list shows, then its balance (orders.models.ledger_balance_sql).
ORDER_ITEM_ROW_FIELDS = ("id", "order", "meeting_type", "meeting_type_name", "kind", "duration_minutes", "quantity")


def order_item_rows(order_ids: list[int]) -> dict[int, list[tuple]]:
    """The items of these orders, each (id, order id, meeting type id, meeting type name, kind,
    duration, quantity, balance), by order id, in the order's own order (position, id): what
    `items_with_balances()` gives, in one query that skips the ORM (compiling its two correlated
    subqueries cost more than running them; leadmonk.raw_rows)."""
    if not order_ids:
        return {}
    col = raw_rows.column
    fields = tuple(OrderItem._meta.get_field(name) for name in ORDER_ITEM_ROW_FIELDS)
    balance = f"{ledger_balance_sql()} WHERE l.{col(CreditLedgerEntry, 'order_item')} = i.id"
    sql = (f"SELECT {', '.join('i.' + connection.ops.quote_name(field.column) for field in fields)}, ({balance}) "
           f"FROM {raw_rows.table(OrderItem)} i WHERE i.{col(OrderItem, 'order')} IN "
           f"({', '.join(['%s'] * len(order_ids))}) ORDER BY i.{col(OrderItem, 'position')}, i.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(order_ids))
        rows = raw_rows.values(cursor.fetchall(), (*fields, None))
    by_order: dict[int, list[tuple]] = {}
    for row in rows:
        by_order.setdefault(row[1], []).append(row)
    return by_order


def order_for_api(owner, pk: int) -> PackageOrder | None:
    return orders_for_api(owner).filter(pk=pk).first()


def order_ledger_for_api(order: PackageOrder) -> list[CreditLedgerEntry]:
    return list(CreditLedgerEntry.objects.filter(order_item__order=order).order_by("created_at", "id"))


def order_item_for_api(owner, pk: int) -> OrderItem | None:
    return OrderItem.objects.select_related("order").filter(order__owner=owner, pk=pk).first()


def bookings_for_api(owner, *, status: str = "", email: str = "", meeting_type_id: int | None = None,
                     order_id: int | None = None, start_after: datetime | None = None,
                     start_before: datetime | None = None) -> QuerySet[Booking]:
    """The owner's bookings (as host), each with its meeting type and order item joined (one query a page)."""
    bookings = Booking.objects.filter(owner=owner).select_related("meeting_type", "order_item")
    if status:
        bookings = bookings.filter(status=status)
    if email:
        bookings = bookings.filter(client_email__iexact=normalize_email(email))
    if meeting_type_id is not None:  # 0 names no meeting type: none of its bookings, not all bookings
        bookings = bookings.filter(meeting_type_id=meeting_type_id)
    if order_id is not None:
        bookings = bookings.filter(order_item__order_id=order_id)
    if start_after:
        bookings = bookings.filter(start__gte=start_after)
    if start_before:
        bookings = bookings.filter(start__lt=start_before)
    return bookings


def booking_for_api(owner, pk: int) -> Booking | None:
    return bookings_for_api(owner).filter(pk=pk).first()


def payments_for_api(owner, *, status: str = "") -> QuerySet:
    # Not the credit notes the Payments page prefetches: the API does not show them.
    return payments_for_owner(owner, status=status).prefetch_related(None)


def clients_for_api(owner) -> list[dict]:
    """The owner's clients by normalised email, from their orders and bookings (two grouped queries,
    whatever the number of clients), most recently seen first, erased clients left out. The name is
    the one on their latest order or booking."""
    rows: dict[str, dict] = {}

    def merge(queryset, counter: str) -> None:
        grouped = (queryset.annotate(email=Lower("client_email")).values("email")
                   .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at")).order_by())
        for row in grouped:
            client = rows.setdefault(row["email"], {"email": row["email"], "name": "", "orders": 0, "bookings": 0,
                                                    "first_seen": row["first"], "last_seen": row["last"]})
            client[counter] = row["n"]
            client["first_seen"] = min(client["first_seen"], row["first"])
            client["last_seen"] = max(client["last_seen"], row["last"])

    # An erased client's rows keep a pseudonym, not a client: the Clients page has no row of theirs either.
    erased = f"@{ERASED_DOMAIN}"
    orders = PackageOrder.objects.filter(owner=owner).exclude(client_email__iendswith=erased)
    bookings = Booking.objects.filter(owner=owner).exclude(client_email__iendswith=erased)
    merge(orders, "orders")
    merge(bookings, "bookings")
    # The latest name of each: one more query per source (only three columns a row).
    named: dict[str, tuple] = {}
    for queryset in (bookings, orders):
        for email, name, created_at in (queryset.annotate(email=Lower("client_email"))
                                        .values_list("email", "client_name", "created_at")):
            if email not in named or named[email][0] <= created_at:
                named[email] = (created_at, name)
    for email, (_created_at, name) in named.items():
        rows[email]["name"] = name
    return sorted(rows.values(), key=lambda row: (row["last_seen"], row["email"]), reverse=True)
