"""The life of an order once placed: paid, cancelled, refunded, expired unpaid. One service per
transition owns all that it sets off: the locks, the move itself (orders.transitions, the one table
of what may follow what), the upcoming bookings cancelled, the ledger voided, and the signal the
apps above listen to. The payments app calls these; it never assembles the steps itself.

Lock order (accounts.locks): the owner first, then the order (order_transition locks its row),
then its items (the ledger). Callers that hold the owner's lock (and, in payments, the payment's)
take it again for free.

Who listens (orders.signals), inside the transition's transaction:
- order_activated: notifications writes the client's confirmation and the owner's new-order notice.
- order_cancelled (cancelled or refunded: the order's status says which): notifications writes one
  message listing the cancelled sessions, each with a calendar cancellation.
The bookings cancelled here send scheduling.signals.booking_cancelled with notify=False:
orders.receivers gives each credit back (then the ledger is voided), notifications drops their
reminders but sends no per-booking email.
"""
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.locks import lock_owner
from orders import signals
from orders.credits import ledger_void_order
from orders.errors import OrderError
from orders.models import OrderStatus, PackageOrder
from orders.transitions import IllegalOrderTransition, order_transition
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.services import booking_cancel


class OrderNotCancellable(OrderError):
    """`message` names the order's status: "This order is refunded; it cannot be cancelled."."""


def order_mark_paid(*, order: PackageOrder, paid_with: str = "") -> tuple[PackageOrder, bool]:
    """`order` is paid (by the provider `paid_with` names), or is free or given at no charge: it
    becomes active and order_activated is sent, once. Returns (order, changed): changed is False
    when it was active already. Raises IllegalOrderTransition when it can no longer become active
    (cancelled, expired, refunded).

    Activating counts no bookings and moves no credit (they were granted when the order was
    placed), so it takes only the order's row lock: its callers may already hold the payment's."""
    with transaction.atomic():
        order, changed = order_transition(order_id=order.pk, target=OrderStatus.ACTIVE, paid_with=paid_with)
        if changed:
            signals.order_activated.send(sender=PackageOrder, order=order)
    return order, changed


def order_cancel_upcoming_bookings(
    *, order: PackageOrder, reason: str = "", now: datetime | None = None
) -> list[Booking]:
    """Cancel the confirmed bookings of `order` that have not started yet (the owner cancels them,
    so minimum notice does not apply) and return them. Called after an order is cancelled or
    refunded; the caller sends the one order message listing them (with a calendar cancellation
    for each), so no per-booking email. The cancelled sessions give their credits back, then what
    is left on the order is voided (ledger)."""
    now = now or timezone.now()
    cancelled: list[Booking] = []
    with transaction.atomic():
        # Owner first (accounts.locks), so a booking of this order placed at the same moment either
        # commits before (and is cancelled here) or sees the order cancelled.
        lock_owner(order.owner_id)
        upcoming = list(
            Booking.objects.select_related("meeting_type", "order_item")
            .filter(order_item__order=order, status=BookingStatus.CONFIRMED, start__gt=now)
            .order_by("start", "id")
        )
        for booking in upcoming:
            booking_cancel(booking=booking, by=BookedBy.OWNER, reason=reason, now=now, notify=False)
            cancelled.append(booking)
        ledger_void_order(order=PackageOrder.objects.get(pk=order.pk), now=now)
    return cancelled


def order_cancel(
    *, order: PackageOrder, by_owner: bool = True, reason: str = "", now: datetime | None = None
) -> PackageOrder:
    """Cancel `order`: its status becomes cancelled, its upcoming bookings are cancelled and the
    client is told (order_cancelled), with the owner's `reason` and a calendar cancellation for
    each session. Raises OrderError when the order can no longer be cancelled."""
    with transaction.atomic():
        lock_owner(order.owner_id)
        try:
            order, changed = order_transition(order_id=order.pk, target=OrderStatus.CANCELLED)
        except IllegalOrderTransition as error:
            status = error.order.get_status_display().lower()
            raise OrderNotCancellable(f"This order is {status}; it cannot be cancelled.") from None
        if changed:
            order.cancel_reason = reason
            order.save(update_fields=["cancel_reason", "updated_at"])
            cancelled = order_cancel_upcoming_bookings(order=order, reason=reason, now=now)
            signals.order_cancelled.send(sender=PackageOrder, order=order, cancelled_bookings=cancelled)
    return order


def order_refund(*, order: PackageOrder, reason: str = "", now: datetime | None = None) -> tuple[PackageOrder, bool]:
    """The money that paid `order` was given back: it becomes refunded, its upcoming bookings are
    cancelled, what is left is voided and the client is told (order_cancelled), once. Returns
    (order, changed): changed is False when it was refunded already. Raises IllegalOrderTransition
    when it was never paid (pending, expired unpaid)."""
    with transaction.atomic():
        lock_owner(order.owner_id)
        order, changed = order_transition(order_id=order.pk, target=OrderStatus.REFUNDED)
        if changed:
            cancelled = order_cancel_upcoming_bookings(order=order, reason=reason, now=now)
            signals.order_cancelled.send(sender=PackageOrder, order=order, cancelled_bookings=cancelled)
    return order, changed


def order_expire(*, order: PackageOrder, now: datetime | None = None) -> tuple[PackageOrder, bool]:
    """`order` was left unpaid too long: it becomes expired and the sessions granted when it was
    placed are voided (an order never paid for keeps none). Nobody is told. Returns (order,
    changed); raises IllegalOrderTransition when it is no longer pending payment."""
    with transaction.atomic():
        lock_owner(order.owner_id)
        order, changed = order_transition(order_id=order.pk, target=OrderStatus.EXPIRED)
        if changed:
            ledger_void_order(order=order, now=now)
    return order, changed
