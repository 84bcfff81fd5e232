"""Writes of orders: placing an order (with the snapshot of the package as sold), booking a
session against an item's quota, cancelling the order and its upcoming bookings. Status changes go
through orders.transitions only; the apps above hear of them through orders.signals.

Lock order (accounts.locks): the owner, then the order item with its order, then scheduling books
(taking the owner's lock again, which is free): the quota is counted after the locks, so two
bookings of the last credit cannot both succeed, and an order being cancelled or refunded cannot
race a booking of it."""
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.locks import lock_owner
from orders import signals
from orders.credits import item_balance, ledger_grant_purchase, ledger_void_order
from orders.models import OrderItem, OrderStatus, PackageOrder
from orders.transitions import IllegalOrderTransition, order_transition
from packages.models import Package, PackageItem
from packages.selectors import package_is_orderable
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.rules import BookingPath
from scheduling.services import BookingError, MeetingTypeUnavailable, booking_cancel, booking_create


class OrderError(Exception):
    """A refused order write; `.message` is shown to the user as is."""

    message = "This order could not be changed."

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class PackageNotOrderable(OrderError):
    message = "This package is disabled or deleted."


class TermsNotAccepted(OrderError):
    message = "Accept the Payment Terms and Conditions to order this package."


class OrderNotCancellable(OrderError):
    """`message` names the order's status: "This order is refunded; it cannot be cancelled."."""


class NoSessionsLeft(BookingError):
    message = "No sessions left for this item."


class OrderNotBookable(BookingError):
    message = "Sessions can only be booked on a paid, active order."


class OrderExpired(BookingError):
    message = "The sessions of this order have expired."


def _package_items():
    return PackageItem.objects.select_related("meeting_type").order_by("position", "id")


def order_create(
    *,
    package: Package,
    client_name: str,
    client_email: str,
    client_first_name: str = "",
    client_last_name: str = "",
    client_phone: str = "",
    answers: list[dict] | None = None,
    client_timezone: str = "UTC",
    terms_accepted: bool = False,
    issued_by_owner: bool = False,
    now: datetime | None = None,
) -> PackageOrder:
    """Place an order of `package` and copy what is sold into it (the snapshot).

    A free package makes the order active at once (and sends the confirmation); a paid one leaves
    it pending payment for the payments app. Raises OrderError when the package cannot be ordered.
    An order the owner issues (`issued_by_owner`) needs no acceptance of the terms: the client
    did not fill in the order form.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the package so an edit saved at the same moment lands before or after the snapshot,
        # never half-way through it; then re-check it against what is true now.
        locked = (
            Package.objects.select_for_update(of=("self",))
            .select_related("owner")
            .prefetch_related(Prefetch("items", queryset=_package_items()))
            .filter(pk=package.pk)
            .first()
        )
        if locked is None or not package_is_orderable(locked):
            raise PackageNotOrderable()
        if locked.terms and not terms_accepted and not issued_by_owner:
            raise TermsNotAccepted()
        order = PackageOrder.objects.create(
            owner=locked.owner,
            package=locked,
            status=OrderStatus.PENDING_PAYMENT,
            client_name=client_name,
            client_first_name=client_first_name,
            client_last_name=client_last_name,
            client_email=client_email,
            client_phone=client_phone,
            client_timezone=client_timezone,
            answers=list(answers or []),
            terms_accepted_at=now if (locked.terms and terms_accepted) else None,
            title=locked.name,
            description=locked.description,
            price=locked.price,
            currency=locked.currency,
            terms=locked.terms,
            payment_medium=locked.payment_medium,
            cancel_window_hours=locked.cancel_window_hours,
            late_cancel_forfeits=locked.late_cancel_forfeits,
            no_show_forfeits=locked.no_show_forfeits,
            expiry_kind=locked.expiry_kind,
            expiry_days=locked.expiry_days,
            book_reminder_days=locked.book_reminder_days,
        )
        # Only meeting types that can be scheduled now are sold: an item the client could never
        # book would be a credit paid for and unusable.
        items = OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                meeting_type=item.meeting_type,
                meeting_type_name=item.meeting_type.name,
                duration_minutes=item.meeting_type.duration_minutes,
                kind=item.meeting_type.kind,
                quantity=item.quantity,
                position=position,
            )
            for position, item in enumerate(
                item for item in locked.items.all() if item.meeting_type.is_bookable
            )
        )
        ledger_grant_purchase(items=items, now=now)
        if order.price == Decimal("0"):
            order, _ = order_transition(order_id=order.pk, target=OrderStatus.ACTIVE)
            signals.order_activated.send(sender=PackageOrder, order=order)
    return order


def _check_quota(*, item: OrderItem) -> OrderItem:
    """Lock the item and its order (PostgreSQL locks every joined row of a FOR UPDATE query), then
    check the order is active, the meeting type still bookable and a credit left: the item's ledger
    sum (orders.credits), read after the lock. The ledger's debit itself is written by its receiver
    of scheduling.signals.booking_created, in the booking's transaction."""
    item = OrderItem.objects.select_for_update().select_related("order", "meeting_type").get(pk=item.pk)
    if not item.meeting_type.is_bookable:
        raise MeetingTypeUnavailable()
    if item.order.status != OrderStatus.ACTIVE:
        raise OrderNotBookable()
    if item.order.is_expired(timezone.now()):
        raise OrderExpired(f"The sessions of this order expired on {item.order.expires_at:%-d %b %Y}.")
    if item_balance(item.pk) < 1:
        raise NoSessionsLeft()
    return item


def order_session_book(*, item: OrderItem, start: datetime, booked_by: str = BookedBy.CLIENT,
                       now: datetime | None = None, notify: bool = True, client_timezone: str = "") -> Booking:
    """Book one session of an order item for the order's client (one credit of its quota), at the
    length sold (the item's snapshot), whatever the meeting type's length is now.

    `client_timezone` is the zone the client chose the time in (their emails and reminders show
    it); the order's zone, given at checkout, when the owner books or none is known.

    Takes the owner's lock, then the item's, checks the quota, then asks scheduling to book, all
    in one transaction. Raises a BookingError subclass (NoSessionsLeft, OrderNotBookable, or
    scheduling's) and changes nothing when the session cannot be booked."""
    with transaction.atomic():
        lock_owner(item.order.owner_id)
        locked = _check_quota(item=item)
        order = locked.order
        return booking_create(
            meeting_type=locked.meeting_type,
            start=start,
            client_name=order.client_name,
            client_email=order.client_email,
            client_phone=order.client_phone,
            client_timezone=client_timezone or order.client_timezone,
            order_item_id=locked.pk,
            path=BookingPath.ORDER,  # the order includes the meeting type: a Package only one books here
            booked_by=booked_by,
            now=now,
            notify=notify,
            duration=locked.duration,  # the length sold, not the meeting type's length now
        )


def refuse_change_of_inactive_order(*, booking: Booking, **_) -> None:
    """Receiver of scheduling.signals.booking_change_requested: a session of an order that is no
    longer active (cancelled, refunded) cannot be moved."""
    if booking.order_item_id is not None and booking.order_item.order.status != OrderStatus.ACTIVE:
        raise OrderNotBookable()


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
    client is told, with the owner's `reason` and a calendar cancellation for each session.
    Raises OrderError when the order can no longer be cancelled."""
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
