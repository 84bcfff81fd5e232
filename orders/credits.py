"""The credit ledger: every movement of an order item's credits is one append-only entry, and an
item's remaining credits are the sum of its entries (never a count kept beside them).

Invariant (tests/test_ledger_invariant.py): for every item, the entries tied to bookings sum to
minus the number of its bookings that hold a credit (`Booking.credit_held`), so the whole sum is
the quantity sold, plus adjustments and extensions, minus expiry and voids, minus what bookings use.

Locks: every write here runs inside the transaction of what it records and holds the owner's row
lock (taken first, as everywhere: accounts.locks documents the order) and then the order
item's row lock, so the balance read before a write cannot change before the write commits.
"""
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.locks import lock_owner
from leadmonk import raw_rows
from leadmonk.content_version import orders_changed, owner_through
from leadmonk.languages import translatable as _
from leadmonk.timezones import localize
from orders.models import CLOSED_STATUSES, CreditLedgerEntry, Gift, LedgerReason, OrderItem, OrderStatus, PackageOrder
from orders.nudges import mark_last_credit
from orders.signals import credits_adjusted, credits_expired, order_expiring
from packages.models import ExpiryKind
from packages.payment_plans import sessions_paid_for
from scheduling.models import Attendance, BookedBy, Booking, BookingStatus, bookable_q
from scheduling.services import BookingError

# An adjustment is a correction, not a new package: beyond this it is surely a typo.
MAX_ADJUSTMENT = 1000


class CreditError(Exception):
    """A refused credit change; `message` is shown next to the field that caused it."""

    message = _("This change of credits cannot be made.")

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class NegativeBalance(CreditError):
    pass


class NoCreditToReturn(CreditError):
    message = _("This session holds no credit to return.")


class OrderClosed(CreditError):
    """The order is cancelled, refunded or expired unpaid: what was left was voided (or never
    paid for), so nothing may bring a credit back onto it."""

    def __init__(self, order: PackageOrder, what: str = "its credits can no longer be adjusted"):
        super().__init__(f"This order is {order.get_status_display().lower()}: {what}.")


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("credit ledger writes must run inside the transaction of what they record")


def lock_item(item_id: int) -> OrderItem:
    """Take the order item's row lock (with its order) for the rest of the transaction."""
    _require_transaction()
    return OrderItem.objects.select_for_update().select_related("order").get(pk=item_id)


def item_balance(item_id: int) -> int:
    """The item's remaining credits: the sum of its ledger entries (one query)."""
    return CreditLedgerEntry.objects.filter(order_item_id=item_id).balance()


def order_sessions_between(*, order_id: int, start: datetime, end: datetime, exclude_booking_id: int | None = None
                           ) -> int:
    """How many confirmed sessions of the order start in [start, end) (a booking limit's count:
    read after the owner's lock, which every booking of the order takes first)."""
    rows = Booking.objects.filter(order_item__order_id=order_id, status=BookingStatus.CONFIRMED,
                                  start__gte=start, start__lt=end)
    if exclude_booking_id is not None:
        rows = rows.exclude(pk=exclude_booking_id)
    return rows.count()


def _entry(item_id: int, change: int, reason: str, *, booking: Booking | None = None, note: str = "",
           by_user=None, now: datetime | None = None) -> CreditLedgerEntry:
    return CreditLedgerEntry.objects.create(
        order_item_id=item_id, change=change, reason=reason, booking=booking, note=note[:500],
        created_by=by_user, created_at=now or timezone.now(),
    )


def _set_held(booking: Booking, held: bool) -> None:
    booking.credit_held = held
    Booking.objects.filter(pk=booking.pk).update(credit_held=held)
    orders_changed(owner_id=booking.owner_id)


def _claim_due_expiry(order: PackageOrder, now: datetime) -> bool:
    """Whether the sessions of `order` (locked) have expired at `now`. An active order past its
    expiry moment that the beat task has not reached yet is claimed here, as the task claims it
    (orders_expire_due), and its unused credits expire now: in the minutes before the task runs, a
    credit given back would otherwise look usable, though the order books nothing after its expiry.
    The task then finds the claim taken."""
    if order.credits_expired_at is not None:
        return True
    if order.status != OrderStatus.ACTIVE or not order.is_expired(now):
        return False
    claimed = PackageOrder.objects.filter(pk=order.pk, credits_expired_at__isnull=True).update(credits_expired_at=now)
    order.credits_expired_at = now
    if claimed:
        orders_changed(owner_id=order.owner_id)
        ledger_expire_order(order=order, now=now)
    return True


def _give_back(item: OrderItem, booking: Booking, reason: str, *, now: datetime | None, note: str = "",
               by_user=None) -> None:
    """The booking's credit comes back to its item. On an order whose sessions have expired (the
    expiry task has run, or its moment has passed: _claim_due_expiry) it expires again at once (the
    order books nothing; an extension gives it back with the others), so no unused credit outlives
    the expiry. `item` was locked with its order."""
    now = now or timezone.now()
    _entry(item.pk, 1, reason, booking=booking, note=note, by_user=by_user, now=now)
    _set_held(booking, False)
    if item.order.credits_expired_at is not None:
        _entry(item.pk, -1, LedgerReason.EXPIRY, now=now, note="Came back after the sessions had expired")
    else:
        # Claiming expires every unused credit of the order, this one with them.
        _claim_due_expiry(item.order, now)


def ledger_grant_purchase(*, items: list[OrderItem], now: datetime | None = None) -> None:
    """The purchase grant: +quantity for each item, written with the items when the order is placed."""
    _require_transaction()
    CreditLedgerEntry.objects.bulk_create(
        CreditLedgerEntry(order_item_id=item.pk, change=item.quantity, reason=LedgerReason.PURCHASE,
                          created_at=now or timezone.now())
        for item in items if item.quantity
    )
    if items:  # bulk_create sends no post_save
        orders_changed(owner_id=owner_through("order")(items[0]))


def _renewal_items_locked(order_id: int) -> list[tuple[int, int]]:
    """(id, quantity) of the order's items, in id order, each row locked with its order's row:
    what `select_for_update().select_related("order")` locks, written out (leadmonk.raw_rows):
    every renewal runs it, and the ORM's join of two wide tables cost more CPU than the rest of the
    ledger's work."""
    col, table = raw_rows.column, raw_rows.table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.id, i.{col(OrderItem, 'quantity')} FROM {table(OrderItem)} i "
            f"JOIN {table(PackageOrder)} o ON o.id = i.{col(OrderItem, 'order')} "
            f"WHERE i.{col(OrderItem, 'order')} = %s ORDER BY i.id{lock}", [order_id])
        return cursor.fetchall()


def _balances(item_ids) -> dict[int, int]:
    """Each item's balance (the sum of its entries), for the items of `item_ids` that have entries."""
    item_ids = list(item_ids)
    if not item_ids:
        return {}
    entry, table = raw_rows.column, raw_rows.table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {entry(CreditLedgerEntry, 'order_item')}, SUM({entry(CreditLedgerEntry, 'change')}) "
            f"FROM {table(CreditLedgerEntry)} WHERE {entry(CreditLedgerEntry, 'order_item')} "
            f"IN ({', '.join(['%s'] * len(item_ids))}) GROUP BY {entry(CreditLedgerEntry, 'order_item')}", item_ids)
        return {item_id: int(balance) for item_id, balance in cursor.fetchall()}


def ledger_renew_order(*, order: PackageOrder, now: datetime | None = None) -> list[CreditLedgerEntry]:
    """A membership's new paid period (memberships.services, which records the period once under
    its own lock, after the owner's): per item, first what the renewal rule sold with the order takes
    of the unused sessions (reset: all of them; roll over: what is above the cap; keep: nothing),
    each an entry, then the item's quantity again. Returns the entries written, in order."""
    from packages.models import RenewalRule

    _require_transaction()
    if order.is_closed:
        raise OrderClosed(order, "it cannot be renewed")
    # The items locked with their order in one query (in id order, as lock_item one by one would),
    # their balances in another (after the lock), the entries in one INSERT: the caller holds the
    # owner's lock (shared, by a renewal) and the membership's.
    items = _renewal_items_locked(order.pk)
    balances = _balances(item_id for item_id, _quantity in items)
    now = now or timezone.now()
    entries = []
    for item_id, quantity in items:
        unused = balances.get(item_id) or 0
        if order.renewal_rule == RenewalRule.KEEP:
            drop = 0
        elif order.renewal_rule == RenewalRule.ROLLOVER:
            drop = max(0, unused - (order.rollover_cap or 0))
        else:
            drop = unused
        if drop > 0:
            note = ("Unused sessions reset" if drop == unused else
                    f"Unused sessions above the roll-over cap of {order.rollover_cap or 0}")
            entries.append(CreditLedgerEntry(order_item_id=item_id, change=-drop, reason=LedgerReason.RENEWAL_RESET,
                                             note=note, created_at=now))
        if quantity:
            entries.append(CreditLedgerEntry(order_item_id=item_id, change=quantity, reason=LedgerReason.RENEWAL,
                                             created_at=now))
    entries = CreditLedgerEntry.objects.bulk_create(entries)
    if entries:  # bulk_create sends no post_save
        orders_changed(owner_id=order.owner_id)
    return entries


def order_set_sessions_end(*, order_id: int, ends_at: datetime | None, owner_id: int | None = None) -> None:
    """The sessions of `order` end at `ends_at` (a cancelled membership's period end: the expiry task
    then takes what is unused, and booking after it is refused); None takes the end back. The caller
    holds the owner's lock."""
    _require_transaction()
    PackageOrder.objects.filter(pk=order_id).update(expires_at=ends_at, expiry_warned_at=None,
                                                    updated_at=timezone.now())
    if owner_id is None:
        owner_id = PackageOrder.objects.filter(pk=order_id).values_list("owner_id", flat=True).first()
    orders_changed(owner_id=owner_id)
# -- payment plans paid "in proportion to what is paid" (the instalments app) --------------------

def _plan_share(item: OrderItem, paid: int, count: int) -> int:
    return sessions_paid_for(item.quantity, paid, count)


def ledger_hold_unpaid_instalments(*, order: PackageOrder, count: int, now: datetime | None = None) -> int:
    """An order sold in `count` instalments whose sessions come as they are paid: each item keeps
    floor(quantity / count) (the first instalment's share) and the rest is held by one entry, given
    back by ledger_release_paid_instalments. Written when the order is placed, in its transaction.
    Returns how many sessions were held."""
    _require_transaction()
    held = 0
    for item in OrderItem.objects.filter(order=order).order_by("pk"):
        unpaid = item.quantity - _plan_share(item, 1, count)
        if unpaid > 0:
            _entry(item.pk, -unpaid, LedgerReason.INSTALMENT_HELD, now=now,
                   note=f"{unpaid} of {item.quantity} come as the payments of the plan are made")
            held += unpaid
    return held


def ledger_release_paid_instalments(*, order: PackageOrder, paid_before: int, paid_after: int, count: int,
                                    now: datetime | None = None) -> int:
    """Instalments `paid_before`+1..`paid_after` of `count` were paid: each item gets the sessions
    they pay for (its share at `paid_after` minus its share at `paid_before`), one entry each. The
    caller holds the owner's lock and the plan's, so two confirmations of one instalment cannot
    both release it. A closed order (refunded, cancelled) gets nothing back; on one whose sessions
    expired they expire again at once, as a returned credit does. Returns how many came back."""
    _require_transaction()
    released = 0
    for item_id in OrderItem.objects.filter(order=order).order_by("pk").values_list("pk", flat=True):
        item = lock_item(item_id)
        if item.order.status in CLOSED_STATUSES:
            return 0
        share = _plan_share(item, paid_after, count) - _plan_share(item, paid_before, count)
        if share <= 0:
            continue
        _entry(item.pk, share, LedgerReason.INSTALMENT_PAID, now=now,
               note=f"Payment {paid_after} of {count}" if paid_after == paid_before + 1
               else f"Payments {paid_before + 1} to {paid_after} of {count}")
        if item.order.credits_expired_at is not None:
            _entry(item.pk, -share, LedgerReason.EXPIRY, now=now, note="Came back after the sessions had expired")
        else:
            _claim_due_expiry(item.order, now or timezone.now())  # past its expiry: these expire with the rest
        released += share
    return released


# -- booking and cancel: called by orders.receivers in the booking's own transaction -----------


def ledger_debit_booking(*, booking: Booking, now: datetime | None = None) -> None:
    """A booking of an order item takes one credit (nothing for a direct booking). The quota was
    checked under the item lock in the same transaction; the debit is re-checked here so no path
    can overdraw an item."""
    if booking.order_item_id is None:
        return
    item = lock_item(booking.order_item_id)
    if item_balance(booking.order_item_id) < 1:
        raise NegativeBalance("No sessions left for this item.")
    _entry(booking.order_item_id, -1, LedgerReason.BOOKING, booking=booking, now=now)
    _set_held(booking, True)
    order = item.order
    mark_last_credit(order_id=order.pk, booking=booking)
    # "N days after the first booking": the first booking starts the clock (the order row is
    # locked with the item, so two first bookings cannot both set it).
    if order.expiry_kind == ExpiryKind.AFTER_FIRST_BOOKING and order.expiry_days and order.expires_at is None:
        order.expires_at = (now or timezone.now()) + timedelta(days=order.expiry_days)
        PackageOrder.objects.filter(pk=order.pk).update(expires_at=order.expires_at)
        orders_changed(owner_id=order.owner_id)


def is_late_cancel(*, order: PackageOrder, booking: Booking, now: datetime) -> bool:
    """Whether cancelling `booking` now falls inside the order's cancellation window."""
    return bool(order.cancel_window_hours) and (booking.start - now).total_seconds() < order.cancel_window_hours * 3600


def cancel_uses_credit(*, booking: Booking, now: datetime | None = None) -> bool:
    """Whether a client's cancel of `booking` now would use its credit (the page warns first)."""
    if booking.order_item_id is None or not booking.credit_held or not booking.is_confirmed:
        return False
    order = booking.order_item.order
    return order.late_cancel_forfeits and is_late_cancel(order=order, booking=booking, now=now or timezone.now())


def late_cancel_warning(*, booking: Booking, now: datetime | None = None) -> str:
    """What the client is told before cancelling `booking` now when that uses its credit ("" when not)."""
    if not cancel_uses_credit(booking=booking, now=now):
        return ""
    hours = booking.order_item.order.cancel_window_hours
    return ngettext("This session starts in less than %(count)s hour: cancelling now uses this session of your "
                    "package. It will not be given back.",
                    "This session starts in less than %(count)s hours: cancelling now uses this session of your "
                    "package. It will not be given back.", hours) % {"count": hours}


def late_move_refusal(*, booking: Booking, now: datetime | None = None) -> str:
    """Why the client can no longer move `booking` online ("" when they can): it is inside the
    cancellation window of an order whose late cancel uses the session."""
    if not cancel_uses_credit(booking=booking, now=now):
        return ""
    hours = booking.order_item.order.cancel_window_hours
    host = booking.owner.display_name or gettext("your host")
    return ngettext("This session starts in less than %(count)s hour, inside your package's cancellation window, "
                    "so it can no longer be moved online. To move it, contact %(host)s.",
                    "This session starts in less than %(count)s hours, inside your package's cancellation window, "
                    "so it can no longer be moved online. To move it, contact %(host)s.", hours) % {
        "count": hours, "host": host}


class LateReschedule(BookingError):
    """A client's move inside the cancellation window of an order whose late cancel uses the
    session: moving it to next week and cancelling that in time would dodge the policy."""

    message = _("This session starts inside your package's cancellation window, so it can no longer be moved online.")


def refuse_late_move(*, booking: Booking, by: str, now: datetime | None = None) -> None:
    """Raise LateReschedule when the client may no longer move `booking` (late_move_refusal); the
    booking is locked by the caller. The owner may always move it."""
    if by == BookedBy.CLIENT:
        refusal = late_move_refusal(booking=booking, now=now)
        if refusal:
            raise LateReschedule(refusal)


def ledger_return_cancelled(*, booking: Booking, by: str, now: datetime | None = None) -> None:
    """A cancelled booking gives its credit back, except a client's late cancel when the order's
    policy says a late cancel uses the credit: then a zero entry records the forfeit."""
    if booking.order_item_id is None or not booking.credit_held:
        return
    now = now or timezone.now()
    item = lock_item(booking.order_item_id)
    if by == BookedBy.CLIENT and item.order.late_cancel_forfeits and is_late_cancel(
        order=item.order, booking=booking, now=now
    ):
        _entry(item.pk, 0, LedgerReason.LATE_CANCEL, booking=booking, now=now,
               note=f"Cancelled {_hours_before(booking, now)} before the start")
        return
    _give_back(item, booking, LedgerReason.CANCEL_RETURN, now=now)


def _hours_before(booking: Booking, now: datetime) -> str:
    hours = max(0, int((booking.start - now).total_seconds() // 3600))
    return "less than an hour" if hours == 0 else f"{hours} h"


# -- the owner's writes --------------------------------------------------------------------------


def ledger_adjust(*, item: OrderItem, change: int, note: str, by_user, now: datetime | None = None
                  ) -> CreditLedgerEntry:
    """Add `change` (±n) credits to `item` with the owner's reason. Raises CreditError (changing
    nothing) for zero, absurd or balance-negative changes, and OrderClosed on a closed order."""
    note = note.strip()
    if change == 0:
        raise CreditError("Enter a number of sessions to add or remove (not 0).")
    if abs(change) > MAX_ADJUSTMENT:
        raise CreditError(f"Adjust by at most {MAX_ADJUSTMENT} sessions at a time.")
    if not note:
        raise CreditError("Say why you adjust the credits.")
    with transaction.atomic():
        lock_owner(item.order.owner_id)
        item = lock_item(item.pk)
        if item.order.is_closed:
            raise OrderClosed(item.order)
        # Expired, whether or not the beat task has taken what was left yet: it would take these too.
        if change > 0 and (item.order.credits_expired_at is not None
                           or item.order.is_expired(now or timezone.now())):
            # The owner's day (their dashboard's zone), not UTC's: 21:00 in New York is tomorrow in UTC.
            expired_on = localize(item.order.expires_at, item.order.owner.timezone)
            raise CreditError(f"The sessions of this order expired on {expired_on:%-d %b %Y}: "
                              "extend the order first.")
        balance = item_balance(item.pk)
        if balance + change < 0:
            raise NegativeBalance(
                f"Only {balance} session{'s' if balance != 1 else ''} left: you can remove at most {balance}."
            )
        entry = _entry(item.pk, change, LedgerReason.ADJUSTMENT, note=note, by_user=by_user, now=now)
        entry.order_item = item
        credits_adjusted.send(sender=CreditLedgerEntry, entry=entry, by_user=by_user)
        return entry


def ledger_removable(*, order: PackageOrder) -> dict[int, int]:
    """Per item of `order`, how many sessions a refund can take off: what is left on it (its ledger
    balance: sessions booked or used are already off it). One query."""
    balances = (
        OrderItem.objects.filter(order=order)
        .annotate(left=CreditLedgerEntry.objects.filter(order_item=OuterRef("pk")).balance_per("order_item"))
        .values_list("pk", "left")
    )
    return {item_id: max(0, left) for item_id, left in balances}


def ledger_remove_refunded(*, item_id: int, count: int, note: str, by_user=None, now: datetime | None = None) -> int:
    """Part of the order's money went back and the owner takes `count` sessions off `item_id` with
    it: one entry of reason refund. Never below what is booked or used: when fewer are left than
    asked (a session booked since the owner chose), only what is left is taken off. Returns how
    many were taken off. Runs inside the refund's transaction, under the owner's lock."""
    if count <= 0:
        return 0
    item = lock_item(item_id)
    if item.order.is_closed:
        return 0  # refunded or cancelled: what was left is voided already
    removed = min(count, item_balance(item_id))
    if removed > 0:
        _entry(item_id, -removed, LedgerReason.REFUND, note=note, by_user=by_user, now=now)
    return removed


def _locked_booking(booking: Booking) -> Booking:
    lock_owner(booking.owner_id)
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to order_item.
    return Booking.objects.select_for_update(of=("self",)).select_related("order_item__order").get(pk=booking.pk)


def ledger_settle_no_show(*, booking: Booking, by_user=None, now: datetime | None = None) -> None:
    """A no-show gives the credit back unless the order's policy says a no-show uses it; then a
    zero entry records the forfeit. Marking attended again later changes no credit (the owner can
    return or adjust), and a session settles as a no-show once: marked a no-show again after
    "attended" (its forfeit keeps the credit held) it writes no second entry."""
    if booking.attendance != Attendance.NO_SHOW or booking.order_item_id is None or not booking.credit_held:
        return
    item = lock_item(booking.order_item_id)
    if item.order.is_closed:
        return  # the attendance is kept; a closed order's credits are settled
    # Read after the item's lock (and the booking's, taken by the caller).
    if CreditLedgerEntry.objects.filter(booking_id=booking.pk, reason=LedgerReason.NO_SHOW).exists():
        return
    if item.order.no_show_forfeits:
        _entry(item.pk, 0, LedgerReason.NO_SHOW, booking=booking, by_user=by_user, now=now,
               note="No-show: the session is used")
    else:
        _give_back(item, booking, LedgerReason.NO_SHOW, now=now, by_user=by_user,
                   note="No-show: the session is given back")


def booking_credit_return(*, booking: Booking, by_user, note: str = "", now: datetime | None = None) -> Booking:
    """The owner gives back the credit a session holds (a late cancel, a no-show, a goodwill
    gesture). Raises NoCreditToReturn when the session holds none, OrderClosed when its order is
    closed (a credit given back there would outlive the void)."""
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.order_item_id is None or not booking.credit_held:
            raise NoCreditToReturn()
        item = lock_item(booking.order_item_id)
        if item.order.is_closed:
            raise OrderClosed(item.order, "its sessions can no longer be given back")
        _give_back(item, booking, LedgerReason.CREDIT_RETURN, now=now, by_user=by_user,
                   note=note.strip() or "Returned by the owner")
    return booking


# Why a closed order's remaining credits are voided, by the status it closed with; the note says
# what the reason's label alone would not.
_VOID = {
    OrderStatus.REFUNDED: (LedgerReason.REFUND, ""),
    OrderStatus.CANCELLED: (LedgerReason.ORDER_CANCELLED, ""),
    OrderStatus.EXPIRED: (LedgerReason.EXPIRY, "The order expired before it was paid"),
}


def ledger_void_order(*, order: PackageOrder, now: datetime | None = None) -> int:
    """Void what is left on a refunded, cancelled or unpaid-and-expired order's items (after its
    upcoming bookings were cancelled and gave their credits back), so a closed order has no
    sessions left anywhere (its pages, the exports, every sum). Returns how many credits were
    voided; running it again voids nothing."""
    _require_transaction()
    if order.status not in _VOID:
        return 0
    reason, note = _VOID[order.status]
    voided = 0
    for item_id in OrderItem.objects.filter(order=order).order_by("pk").values_list("pk", flat=True):
        lock_item(item_id)
        balance = item_balance(item_id)
        if balance > 0:
            _entry(item_id, -balance, reason, now=now, note=note)
            voided += balance
    return voided


def ledger_expire_order(*, order: PackageOrder, now: datetime | None = None) -> int:
    """Expire the unused credits of `order` (one entry per item with credits left). Returns how
    many credits expired; running it again expires nothing, so a retried or doubled task is harmless."""
    expired = 0
    entries = []
    with transaction.atomic():
        lock_owner(order.owner_id)
        for item_id in OrderItem.objects.filter(order_id=order.pk).order_by("pk").values_list("pk", flat=True):
            lock_item(item_id)
            balance = item_balance(item_id)
            if balance > 0:
                entries.append(_entry(item_id, -balance, LedgerReason.EXPIRY, now=now))
                expired += balance
        if entries:
            credits_expired.send(sender=PackageOrder, order=order, entries=entries)
    return expired


def orders_expire_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Expire the unused credits of active orders whose expiry has passed (the beat task).

    Each order is claimed with a conditional update of `credits_expired_at` inside the transaction
    that writes its expiry entries, after the owner's lock (the lock order of every credit write):
    with two schedulers running, the second finds the claim taken and moves on ("another process
    got there first"), and a worker that dies before committing leaves the order to the next run.
    Returns how many orders were expired."""
    now = now or timezone.now()
    due = list(
        PackageOrder.objects.filter(status=OrderStatus.ACTIVE, expires_at__lte=now, credits_expired_at__isnull=True)
        .order_by("expires_at", "pk").values_list("pk", "owner_id")[:limit]
    )
    expired = 0
    for order_id, owner_id in due:
        with transaction.atomic():
            lock_owner(owner_id)
            claimed = PackageOrder.objects.filter(
                pk=order_id, status=OrderStatus.ACTIVE, expires_at__lte=now, credits_expired_at__isnull=True,
            ).update(credits_expired_at=now)
            if not claimed:
                continue
            orders_changed(owner_id=owner_id)
            ledger_expire_order(order=PackageOrder(pk=order_id, owner_id=owner_id), now=now)
            expired += 1
    return expired


EXPIRY_WARNING = timedelta(days=7)


def expiry_warning_lead(expiry_days: int | None) -> timedelta:
    """How long before the expiry the client is warned: 7 days, or half the validity of a shorter
    pack (a 5-day pack warned 7 days ahead would say "expiring soon" the moment it was bought)."""
    if expiry_days:
        return min(EXPIRY_WARNING, timedelta(days=expiry_days) / 2)
    return EXPIRY_WARNING


def orders_warn_expiring(*, now: datetime | None = None, limit: int = 200) -> int:
    """Warn the clients of active orders whose sessions expire soon (expiry_warning_lead) and who
    still have sessions to book: one email each (an outbox row), however often this runs and with
    two schedulers, because each order is claimed with a conditional update of `expiry_warned_at`
    in the transaction that writes the message. Returns how many were warned."""
    now = now or timezone.now()
    candidates = (
        PackageOrder.objects.filter(status=OrderStatus.ACTIVE, expires_at__gt=now,
                                    expires_at__lte=now + EXPIRY_WARNING, expiry_warned_at__isnull=True)
        .order_by("expires_at", "pk").values_list("pk", "owner_id", "expires_at", "expiry_days")
    )
    due = [(pk, owner_id) for pk, owner_id, expires_at, days in candidates
           if expires_at - now <= expiry_warning_lead(days)][:limit]
    warned = 0
    for order_id, owner_id in due:
        # What the client can still book: sessions of a meeting type disabled or deleted since are
        # not theirs to book (DESIGN rule 6), as the reminder to book counts (orders.nudges).
        left = CreditLedgerEntry.objects.filter(bookable_q("order_item__meeting_type__"),
                                                order_item__order_id=order_id).balance()
        with transaction.atomic():
            claimed = PackageOrder.objects.filter(pk=order_id, expiry_warned_at__isnull=True).update(
                expiry_warned_at=now)
            if claimed:
                orders_changed(owner_id=owner_id)
            if not claimed or not left or left <= 0:
                continue  # another scheduler got there first, or nothing is left to book
            order = PackageOrder.objects.select_related("owner").get(pk=order_id)
            # notifications writes the message in this transaction (orders.signals).
            order_expiring.send(sender=PackageOrder, order=order, sessions_left=left)
            warned += 1
    return warned


# The latest an order's sessions may expire, counted from today: extensions add up, and without a
# horizon enough of them carry the date past what a datetime holds (a server error, not a message).
MAX_EXPIRY_HORIZON_DAYS = 3650


def _no_expiry_yet(order: PackageOrder) -> str:
    """Why `order` (without an expiry date) has nothing to extend, by when its clock starts."""
    if order.expiry_kind == ExpiryKind.AFTER_FIRST_BOOKING:
        return "The expiry starts at the first booking: there is nothing to extend yet."
    if order.expiry_kind == ExpiryKind.AFTER_PURCHASE:
        days = f"{order.expiry_days} day{'s' if order.expiry_days != 1 else ''}"
        gift = Gift.objects.filter(order=order, sent_at__isnull=True).first()
        if gift is not None:  # "N days after purchase" counts from the day it is sent (orders.gifts)
            return (f"The sessions expire {days} after the gift is sent ({gift.send_on:%-d %b %Y}): "
                    "there is nothing to extend yet.")
        return f"The sessions expire {days} after the order is paid: there is nothing to extend yet."
    return "This order's sessions have no expiry date to extend."


def order_extend(*, order: PackageOrder, days: int, by_user, now: datetime | None = None) -> PackageOrder:
    """Move the expiry of `order` `days` later (from now, when it has passed already); credits that
    expired come back through an extension entry per item. Raises CreditError for an order whose
    sessions do not expire, a number of days out of bounds (the new date at most
    MAX_EXPIRY_HORIZON_DAYS from today), or a closed order (OrderClosed)."""
    from packages.models import MAX_EXPIRY_DAYS

    now = now or timezone.now()
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise CreditError(f"Extend by 1 to {MAX_EXPIRY_DAYS} days.")
    with transaction.atomic():
        lock_owner(order.owner_id)
        order = PackageOrder.objects.select_for_update().get(pk=order.pk)
        if order.is_closed:
            raise OrderClosed(order, "its sessions can no longer be extended")
        if order.expires_at is None:
            raise CreditError(_no_expiry_yet(order))
        start = max(order.expires_at, now)
        room = (now + timedelta(days=MAX_EXPIRY_HORIZON_DAYS) - start).days
        if days > room:
            raise CreditError(
                f"An order's sessions can expire at most {MAX_EXPIRY_HORIZON_DAYS} days (10 years) from today: "
                + (f"extend this one by at most {room} day{'s' if room != 1 else ''}." if room >= 1 else
                   "this one cannot be extended further.")
            )
        order.expires_at = start + timedelta(days=days)
        if order.credits_expired_at is not None:
            for item_id in OrderItem.objects.filter(order=order).order_by("pk").values_list("pk", flat=True):
                lock_item(item_id)
                gone = CreditLedgerEntry.objects.filter(
                    order_item_id=item_id, reason__in=[LedgerReason.EXPIRY, LedgerReason.EXTENSION]
                ).balance()
                if gone < 0:
                    _entry(item_id, -gone, LedgerReason.EXTENSION, by_user=by_user, now=now,
                           note=f"Extended by {days} day{'s' if days != 1 else ''}")
            order.credits_expired_at = None
        # The new date gets its own warning.
        order.expiry_warned_at = None
        order.save(update_fields=["expires_at", "credits_expired_at", "expiry_warned_at", "updated_at"])
    return order

