"""Reads of orders: the client's order details page, the owner's dashboard list and detail page.

Every function here runs a fixed number of queries whatever the number of items or bookings:
used counts are annotated, bookings prefetched.
"""
import functools
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadmonk import content_version, raw_rows
from leadmonk.client_email import normalize_email
from leadmonk.tokens import looks_like_token
from orders.models import CreditLedgerEntry, Gift, OrderItem, OrderStatus, PackageOrder, ledger_balance_sql
from orders.rules import item_booking_refusal
from scheduling.models import Booking


def _items_with_usage() -> QuerySet[OrderItem]:
    """Order items with `used` (sessions holding a credit), `balance` (the ledger sum, which is
    what remains) and the meeting type joined (its live state). Subqueries, so neither multiplies
    the other."""
    used = (
        Booking.objects.filter(order_item=OuterRef("pk"), credit_held=True).order_by().values("order_item")
        .annotate(total=Count("pk")).values("total")
    )
    return (
        OrderItem.objects.select_related("meeting_type")
        .annotate(
            used=Coalesce(Subquery(used, output_field=IntegerField()), Value(0)),
            balance=CreditLedgerEntry.objects.filter(order_item=OuterRef("pk")).balance_per("order_item"),
        )
        .order_by("position", "id")
    )


def items_with_balances() -> QuerySet[OrderItem]:
    """Order items annotated with `used` and `balance` (see _items_with_usage), for a prefetch of
    another app's list (the API's orders)."""
    return _items_with_usage()


def _bookings_prefetch() -> Prefetch:
    return Prefetch(
        "items__bookings",
        queryset=Booking.objects.select_related("meeting_type", "limit_override").order_by("start", "id"),
    )


def _with_details(queryset: QuerySet[PackageOrder]) -> QuerySet[PackageOrder]:
    return queryset.select_related("owner", "gift").prefetch_related(
        Prefetch("items", queryset=_items_with_usage()), _bookings_prefetch()
    )


def order_for_token(*, token: str) -> PackageOrder | None:
    """The order behind a client's link, items annotated with `used`, bookings prefetched (3 queries)."""
    if not looks_like_token(token):
        return None
    return _with_details(PackageOrder.objects.filter(token=token)).first()


def _owner_and_meeting_type_models() -> tuple[type, type]:
    # Through the relations, not imports: the same models the ORM's select_related would join.
    return (PackageOrder._meta.get_field("owner").related_model,
            OrderItem._meta.get_field("meeting_type").related_model)


@functools.cache
def _item_for_token_sql() -> str:
    owner_model, meeting_type_model = _owner_and_meeting_type_models()
    col = raw_rows.column
    balance = f"{ledger_balance_sql()} WHERE l.{col(CreditLedgerEntry, 'order_item')} = i.id"
    used = (f"SELECT COUNT(*) FROM {raw_rows.table(Booking)} b WHERE b.{col(Booking, 'order_item')} = i.id "
            f"AND b.{col(Booking, 'credit_held')} = %s")
    return (
        f"SELECT {raw_rows.columns(OrderItem, 'i')}, {raw_rows.columns(PackageOrder, 'o')}, "
        f"{raw_rows.columns(owner_model, 'u')}, {raw_rows.columns(meeting_type_model, 'm')}, ({balance}), ({used}) "
        f"FROM {raw_rows.table(OrderItem)} i "
        f"JOIN {raw_rows.table(PackageOrder)} o ON o.id = i.{col(OrderItem, 'order')} "
        f"JOIN {raw_rows.table(owner_model)} u ON u.id = o.{col(PackageOrder, 'owner')} "
        f"JOIN {raw_rows.table(meeting_type_model)} m ON m.id = i.{col(OrderItem, 'meeting_type')} "
        f"WHERE i.id = %s AND o.{col(PackageOrder, 'token')} = %s"
    )


def order_item_for_token(*, token: str, item_id: int) -> OrderItem | None:
    """One item of the order behind a client's link, for booking a session of it: the item with
    its order, the order's owner and its meeting type, and `used`, `remaining`, `total`,
    `meeting_type_unavailable` and `can_schedule` set as `with_item_progress` sets them (no bookings). None
    for an unknown token or an item of another order.

    One hand-written query (leadmonk.raw_rows): it is the page's only query, and the ORM took
    1.5 ms of CPU to compile it, half of the whole page once its picker is cached; reading the
    same row by hand takes 0.2 ms. A test compares every field with the ORM's read."""
    item = _order_item_row(token=token, item_id=item_id)
    if item is not None:
        _set_bookable(item, item.order, timezone.now())
    return item


def _order_item_row(*, token: str, item_id: int) -> OrderItem | None:
    """The item with its order, owner, meeting type, `balance` and `used` (sessions holding a credit)
    (order_item_for_token), nothing that depends on the time."""
    low, high = connection.ops.integer_field_range(OrderItem._meta.pk.get_internal_type())
    if not looks_like_token(token) or not low <= item_id <= high:  # the ORM's range check, by hand
        return None
    with connection.cursor() as cursor:
        cursor.execute(_item_for_token_sql(), [True, item_id, token])
        row = cursor.fetchone()
    if row is None:
        return None
    owner_model, meeting_type_model = _owner_and_meeting_type_models()
    (item, order, owner, meeting_type), (balance, used) = raw_rows.instances(
        row, [OrderItem, PackageOrder, owner_model, meeting_type_model])
    order.owner = owner
    item.order = order
    item.meeting_type = meeting_type
    item.balance, item.used = balance, used
    return item


# Token -> the id of its order's owner, as last read by this process: only which owner's versions
# to read along with the item's entry (the entry names its owner and is checked against them).
_item_owner_hints: dict[str, int] = {}
ITEM_OWNER_HINTS_MAX = 10_000
ITEM_KINDS = (content_version.CONTENT, content_version.ORDERS)


def item_owner_hints_forget() -> None:
    """Forget this process's token -> owner hints (tests: a worker that has not served the order)."""
    _item_owner_hints.clear()


def _remember_item_owner(hint_key: str, owner_id: int) -> None:
    """Keep `owner_id` as this process's hint for the token at `hint_key` (cleared when full)."""
    if len(_item_owner_hints) >= ITEM_OWNER_HINTS_MAX:
        _item_owner_hints.clear()
    _item_owner_hints[hint_key] = owner_id


def cached_order_item_for_token(*, token: str, item_id: int) -> OrderItem | None:
    """`order_item_for_token` from the cache while nothing it read changed: a hit is one cache
    round trip and no query. The entry (keyed by the token and the item) holds the rows as read
    and is stamped with the owner's content version (the owner's row, the meeting type) and orders
    version (the order, its items, the ledger: every write of them bumps it, update()s too), read
    *before* the rows. What depends on the time (expiry, bookings held, so whether it can book)
    is worked out on every request. An unknown token or item is not kept (a 404 reads the row)."""
    if not looks_like_token(token):
        return None
    prefix = content_version.page_key_prefix()
    key, hint_key = f"{prefix}:order_item:{token}:{item_id}", f"{prefix}:order_token:{token}"
    owner_id = _item_owner_hints.get(hint_key)

    def keys(owner: int) -> list[str]:
        return content_version.owner_version_keys(ITEM_KINDS, owner)

    try:
        if owner_id is None:
            stored = cache.get(key)
            owner_id = stored[0] if stored is not None else None
            found = cache.get_many(keys(owner_id)) if owner_id is not None else {}
        else:
            found = content_version.get_many([*keys(owner_id), key])
            stored = found.get(key)
    except Exception:  # noqa: BLE001 - the cache is an optimisation: read the database
        return order_item_for_token(token=token, item_id=item_id)
    if stored is not None and owner_id is not None and stored[0] == owner_id \
            and stored[1] == content_version.versions_stamp(found, keys(owner_id)):
        item = stored[2]
        if hint_key not in _item_owner_hints:  # a worker that found the entry without one: one round trip next time
            _remember_item_owner(hint_key, owner_id)
    else:
        if owner_id is None:
            # Nothing names the owner yet: read the row, then the versions, then the row again
            # (read before the versions, it may already be outdated).
            first = _order_item_row(token=token, item_id=item_id)
            if first is None:
                return None
            owner_id = first.order.owner_id
        stamp = content_version.versions_stamp(found, keys(owner_id), fill=True)
        item = _order_item_row(token=token, item_id=item_id)
        if item is None:
            return None
        _remember_item_owner(hint_key, item.order.owner_id)
        if stamp is not None and item.order.owner_id == owner_id:
            try:
                cache.set(key, (owner_id, stamp, item), content_version.FRAGMENT_TIMEOUT)
            except Exception:  # noqa: BLE001
                pass
    _set_bookable(item, item.order, timezone.now())
    return item


def orders_of_client(*, email: str) -> list[PackageOrder]:
    """Every order placed under this client email (normalised: orders.clients), with any owner,
    and the gifts they bought and that are not sent yet (paid, such an order carries the
    recipient's address already: orders.gifts), newest first, items annotated and bookings
    prefetched as on the order page (4 queries). The client portal (/my/) reads it after the client
    proved they hold the address."""
    email = normalize_email(email)
    if not email:
        return []
    # The gifts first, by id: an OR across the join would not use the orders' index on the address.
    unsent_gifts = list(Gift.objects.filter(buyer_email__iexact=email, sent_at__isnull=True)
                        .values_list("order_id", flat=True))
    mine = Q(client_email__iexact=email) | Q(pk__in=unsent_gifts) if unsent_gifts else Q(client_email__iexact=email)
    return list(_with_details(PackageOrder.objects.filter(mine)).order_by("-created_at", "-id"))


def order_for_owner(*, owner, pk: int) -> PackageOrder | None:
    """One order of `owner` with items, used counts and bookings (3 queries); None for anyone else's."""
    return _with_details(PackageOrder.objects.filter(owner=owner, pk=pk)).first()


def order_bookings(order: PackageOrder) -> list[Booking]:
    """Every booking placed for `order` (from the prefetch), soonest first."""
    bookings = [booking for item in order.items.all() for booking in item.bookings.all()]
    for booking in bookings:
        # Saves a query per booking when templates or services reach booking.order_item.
        booking.order_item = next(item for item in order.items.all() if item.pk == booking.order_item_id)
        # And when they show where it meets (the host's name, for a phone call).
        booking.meeting_type.owner = order.owner
    return sorted(bookings, key=lambda booking: (booking.start, booking.pk))


@functools.cache
def _list_counts_sql() -> tuple[str, str]:
    """SQL of the list's two counts over the outer order row: sessions holding a credit, and the
    ledger sum. Written out (RawSQL) rather than as two Subquery()s: building and compiling those
    cost the ORM 1.2 ms of CPU per page, more than the rest of the page's query."""
    col = raw_rows.column
    order_id = f"{raw_rows.table(PackageOrder)}.{col(PackageOrder, 'id')}"  # the outer query's row
    items = f"{raw_rows.table(OrderItem)} i"
    used = (f"SELECT COUNT(*) FROM {raw_rows.table(Booking)} b JOIN {items} "
            f"ON i.{col(OrderItem, 'id')} = b.{col(Booking, 'order_item')} "
            f"WHERE i.{col(OrderItem, 'order')} = {order_id} AND b.{col(Booking, 'credit_held')} = %s")
    left = (f"{ledger_balance_sql()} JOIN {items} "
            f"ON i.{col(OrderItem, 'id')} = l.{col(CreditLedgerEntry, 'order_item')} "
            f"WHERE i.{col(OrderItem, 'order')} = {order_id}")
    return used, left


# What a row of the dashboard list shows (orders.views): the other columns are not read.
LIST_COLUMNS = ("client_name", "client_email", "title", "status", "price", "currency", "created_at")


def order_list_for_owner(
    *, owner, status: str = "", package_id: int | None = None, search: str = ""
) -> QuerySet[PackageOrder]:
    """The dashboard list: the owner's orders, newest first, with `sessions_used` (sessions holding
    a credit) and `sessions_left` (the ledger sum) over their items, and only the columns a row
    shows (LIST_COLUMNS). Subqueries, not joins, so the sums do not multiply each other; one query
    per page whatever the number of orders."""
    used, left = _list_counts_sql()
    queryset = PackageOrder.objects.filter(owner=owner).only(*LIST_COLUMNS).annotate(
        sessions_used=RawSQL(used, (True,), output_field=IntegerField()),
        sessions_left=RawSQL(left, (), output_field=IntegerField()),
    )
    if status in OrderStatus.values:
        queryset = queryset.filter(status=status)
    if package_id:
        queryset = queryset.filter(package_id=package_id)
    search = search.strip()
    if search:
        queryset = queryset.filter(Q(client_name__icontains=search) | Q(client_email__icontains=search))
    return queryset.order_by("-created_at", "-id")


def with_item_progress(order: PackageOrder) -> list[OrderItem]:
    """The order's items (from the prefetch) with what the pages show beside each one:
    `remaining`, `percent_used`, `meeting_type_unavailable` (rule 6), `booking_refusal` and
    `can_schedule`."""
    items = list(order.items.all())
    now = timezone.now()
    for item in items:
        _set_bookable(item, order, now)
        item.percent_used = min(100, round(100 * item.used / item.total)) if item.total else 100
    return items


def _set_bookable(item: OrderItem, order: PackageOrder, now: datetime) -> None:
    """`remaining` (the ledger sum, annotated as `balance`), `meeting_type_unavailable` (rule 6),
    `booking_refusal` (why it cannot book now, orders.rules; None when it can) and `can_schedule`
    of an item whose meeting type is joined."""
    item.meeting_type.owner = order.owner  # joined already; the slot picker reads it
    item.order = order  # the same row
    item.remaining = max(item.balance, 0)
    # What the client has of it: used + remaining, so an adjustment or an expiry moves it too (the
    # pages say "used x of total" and "n of total remaining"), not the quantity sold.
    item.total = item.used + item.remaining
    item.meeting_type_unavailable = not item.meeting_type.is_bookable
    item.booking_refusal = item_booking_refusal(item, remaining=item.remaining, now=now)
    item.can_schedule = item.booking_refusal is None


def order_ledger(order: PackageOrder) -> list[CreditLedgerEntry]:
    """The credit ledger of `order`, oldest first, each entry with `item` (from the prefetch), its
    booking and who made it (one query whatever the number of entries)."""
    items = {item.pk: item for item in order.items.all()}
    entries = list(
        CreditLedgerEntry.objects.filter(order_item__order=order)
        .select_related("booking", "created_by")
        .order_by("created_at", "id")
    )
    balances: dict[int, int] = {}
    for entry in entries:
        entry.order_item = items[entry.order_item_id]
        balances[entry.order_item_id] = balances.get(entry.order_item_id, 0) + entry.change
        entry.balance_after = balances[entry.order_item_id]
    return entries


# --- CSV exports (streamed by leadmonk.csv_export; one query whatever the number of rows) -----------


def orders_for_export(*, owner, start, end) -> QuerySet[PackageOrder]:
    """The owner's orders placed in [start, end), with their session totals and remaining credits
    computed in the same query, so the export streams them with .iterator() in one query."""
    sessions = Subquery(
        OrderItem.objects.filter(order=OuterRef("pk")).order_by().values("order")
        .annotate(total=Sum("quantity")).values("total"),
        output_field=IntegerField(),
    )
    remaining = CreditLedgerEntry.objects.filter(order_item__order=OuterRef("pk")).balance_per("order_item__order")
    return (
        PackageOrder.objects.filter(owner=owner, created_at__gte=start, created_at__lt=end)
        .annotate(export_sessions=Coalesce(sessions, Value(0)), export_remaining=remaining)
        .select_related("gift")
        .order_by("created_at", "id")
    )


def ledger_for_export(*, owner, start, end) -> QuerySet[CreditLedgerEntry]:
    """The owner's credit ledger rows written in [start, end), with their order, booking and author."""
    return (
        CreditLedgerEntry.objects.filter(order_item__order__owner=owner, created_at__gte=start, created_at__lt=end)
        .select_related("order_item__order", "booking", "created_by")
        .order_by("created_at", "id")
    )
