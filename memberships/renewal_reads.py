"""A renewal's reads and its period written out by hand (leadmonk.raw_rows): a billing run renews
an owner's memberships side by side in one process, and compiling the ORM's joins took a quarter
of a renewal's CPU (docs/performance.md, "The renewal's own CPU"). Each read gives what the ORM's
read gives (memberships/tests/test_renewal_reads.py compares them field by field)."""
import functools
from datetime import datetime

from django.db import connection

from leadmonk import raw_rows
from memberships.models import MembershipPeriod, PackageMembership
from orders.models import Gift, PackageOrder


def _owner_model() -> type:
    return PackageOrder._meta.get_field("owner").related_model  # through the relation: no import of accounts' model


def _datetime(value: datetime):
    """A datetime as the ORM sends it (SQLite keeps naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


@functools.cache
def _unlocked_sql() -> str:
    col, table = raw_rows.column, raw_rows.table
    return (
        f"SELECT {raw_rows.columns(PackageMembership, 'm')}, {raw_rows.columns(PackageOrder, 'o')}, "
        f"EXISTS (SELECT 1 FROM {table(MembershipPeriod)} p WHERE p.{col(MembershipPeriod, 'membership')} = m.id "
        f"AND p.{col(MembershipPeriod, 'starts_at')} = %s) "
        f"FROM {table(PackageMembership)} m JOIN {table(PackageOrder)} o ON o.id = m.{col(PackageMembership, 'order')} "
        f"WHERE m.id = %s"
    )


def membership_with_period_paid(membership_id: int, period_start: datetime) -> tuple[PackageMembership, bool]:
    """The membership with its order (`.order` costs no query), and whether its period starting at
    `period_start` is recorded: `select_related("order").get(pk=…)` and the period's `exists()` in
    one round trip. No lock: a period found is committed (never removed); one not found is looked
    up again under the membership's lock."""
    with connection.cursor() as cursor:
        cursor.execute(_unlocked_sql(), [_datetime(period_start), membership_id])
        row = cursor.fetchone()
    if row is None:
        raise PackageMembership.DoesNotExist("PackageMembership matching query does not exist.")
    (membership, order), (paid,) = raw_rows.instances(row, [PackageMembership, PackageOrder])
    membership.order = order
    return membership, bool(paid)


@functools.cache
def _locked_sql(lock: bool) -> str:
    col, table, owner_model = raw_rows.column, raw_rows.table, _owner_model()
    return (
        f"SELECT {raw_rows.columns(PackageMembership, 'm')}, {raw_rows.columns(PackageOrder, 'o')}, "
        f"{raw_rows.columns(owner_model, 'u')}, {raw_rows.columns(Gift, 'g')} "
        f"FROM {table(PackageMembership)} m JOIN {table(PackageOrder)} o ON o.id = m.{col(PackageMembership, 'order')} "
        f"JOIN {table(owner_model)} u ON u.id = o.{col(PackageOrder, 'owner')} "
        f"LEFT JOIN {table(Gift)} g ON g.{col(Gift, 'order')} = o.id "
        f"WHERE m.id = %s" + (" FOR UPDATE OF m" if lock else "")
    )


def membership_locked_for_renewal(membership_id: int) -> PackageMembership:
    """The membership under its row lock (the caller holds its owner's), with its order, the
    order's owner and gift (none of `.order`, `.order.owner`, `gift_of(order)` costs a query):
    `select_for_update(of=("self",)).select_related("order", "order__owner", "order__gift")`."""
    with connection.cursor() as cursor:
        cursor.execute(_locked_sql(connection.features.has_select_for_update), [membership_id])
        row = cursor.fetchone()
    if row is None:
        raise PackageMembership.DoesNotExist("PackageMembership matching query does not exist.")
    (membership, order, owner), gift_values = raw_rows.instances(row, [PackageMembership, PackageOrder,
                                                                        _owner_model()])
    gift = raw_rows.instances(gift_values, [Gift])[0][0] if gift_values[0] is not None else None
    membership.order = order
    order.owner = owner
    # The reverse one-to-one cached as select_related caches it: None makes `order.gift` raise
    # DoesNotExist without a query.
    PackageOrder.gift.related.set_cached_value(order, gift)
    if gift is not None:
        gift.order = order
    return membership


@functools.cache
def _period_sql() -> str:
    col = raw_rows.column
    return (f"SELECT 1 FROM {raw_rows.table(MembershipPeriod)} WHERE {col(MembershipPeriod, 'membership')} = %s "
            f"AND {col(MembershipPeriod, 'starts_at')} = %s")


def period_recorded(membership_id: int, starts_at: datetime) -> bool:
    """Whether the membership's period starting at `starts_at` is recorded: its `exists()`. Asked
    after the membership's lock, in a statement of its own, it sees a period committed meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(_period_sql(), [membership_id, _datetime(starts_at)])
        return cursor.fetchone() is not None


@functools.cache
def _period_insert_sql() -> str:
    col, table = raw_rows.column, raw_rows.table
    names = ("membership", "starts_at", "ends_at", "paid_at", "provider_invoice_id", "created_at")
    return (
        f"INSERT INTO {table(MembershipPeriod)} ({', '.join(col(MembershipPeriod, name) for name in names)}) "
        f"VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({col(MembershipPeriod, 'membership')}, {col(MembershipPeriod, 'starts_at')}) DO NOTHING "
        f"RETURNING id"
    )


def period_insert(*, membership_id: int, starts_at: datetime, ends_at: datetime, paid_at: datetime,
                  provider_invoice_id: str, created_at: datetime) -> int | None:
    """Record the period in one statement: its id, or None when it was there already (the unique
    (membership, start), behind the membership's lock that makes it unreachable). Where the ORM's
    `create` in a savepoint took three round trips. Sends no post_save: the caller bumps the
    owner's orders version."""
    with connection.cursor() as cursor:
        cursor.execute(_period_insert_sql(), [membership_id, _datetime(starts_at), _datetime(ends_at),
                                              _datetime(paid_at), provider_invoice_id, _datetime(created_at)])
        row = cursor.fetchone()
    return row[0] if row is not None else None
