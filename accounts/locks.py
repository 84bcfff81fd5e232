"""The owner's row lock: the one lock every write that counts an owner's bookings takes first.

Lock order, everywhere: owner, then order item and order (orders), then payment (payments). Taking
the owner first serialises one owner's bookings, quotas and refunds (two owners never wait for each
other) and rules out deadlocks between those writes. Taking it twice in one transaction is free.
An order placed with a promo code locks the owner, its package, then the promo code's row last
(promotions.services.promo_redeem: the code's uses are counted after that lock); nothing that holds
a code's lock takes another lock after it, and releasing a use takes none.

A membership's renewal takes the owner's row in share mode instead (`lock_owner_shared`, FOR KEY
SHARE): it waits for every holder of the owner's lock and keeps them out until it commits, but two
renewals of one owner run side by side (their own rows are the membership's, its order's items and
the client's; they queue only on the owner's invoice numbers, taken last). A transaction that holds
the shared lock never asks for the owner's lock: two of them would wait for each other.
"""
import functools

from django.db import connection
from django.db.transaction import TransactionManagementError

from accounts.models import User


@functools.cache
def _lock_sql(mode: str) -> str:
    table, pk = connection.ops.quote_name(User._meta.db_table), connection.ops.quote_name(User._meta.pk.column)
    return f"SELECT {pk} FROM {table} WHERE {pk} = %s{f' FOR {mode}' if mode else ''}"


def _lock(owner_id: int, mode: str) -> None:
    row_locks = connection.features.has_select_for_update
    if row_locks and connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(mode if row_locks else ""), [owner_id])
        if cursor.fetchone() is None:
            raise User.DoesNotExist(f"No owner {owner_id} to lock.")


def owner_lock_clause(owner_alias: str) -> str:
    """The end of a SELECT that joins the owner's row as `owner_alias`, so that it takes the lock
    `lock_owner` takes (` FOR UPDATE OF <alias>`; nothing on SQLite, where the transaction is the
    lock): one round trip for the lock and a read the holder needs anyway (a new booking's meeting
    type). What the statement reads of other tables is as its snapshot saw it before any wait for
    the lock; only a later statement sees what the previous holder committed."""
    if not connection.features.has_select_for_update:
        return ""
    if connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    return f" FOR UPDATE OF {owner_alias}"


def lock_owner(owner_id: int) -> None:
    """Take the owner's row lock for the rest of the current transaction (call inside atomic()).

    Written out (what `User.objects.select_for_update().filter(pk=...).get()` runs): every booking,
    order write and refund takes it, and building the ORM's query cost more CPU than the lock itself.
    On SQLite, which has no row locks, the transaction itself is the lock (settings: IMMEDIATE)."""
    _lock(owner_id, "UPDATE")


def lock_owner_shared(owner_id: int) -> None:
    """The owner's row in share mode (FOR KEY SHARE) for the rest of the current transaction: no
    holder of `lock_owner` runs until it commits, other holders of this one do. It is the lock that
    inserting a row which names the owner (a payment, an invoice) takes anyway; taken first, it keeps
    the lock order (the owner before the rows a renewal locks). Never followed by `lock_owner` in the
    same transaction (two would wait for each other: a deadlock)."""
    _lock(owner_id, "KEY SHARE")


def lock_owners(owner_ids) -> None:
    """Lock several owners' rows in ascending id order: two requests that need overlapping sets of
    owners (a team meeting's hosts) then queue on the lowest shared id first and never deadlock."""
    for owner_id in sorted(set(owner_ids)):
        lock_owner(owner_id)
