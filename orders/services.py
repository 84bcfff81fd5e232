"""Writes of orders: placing an order (with the snapshot of the package as sold), cancelling it,
and cancelling its upcoming bookings. Status changes go through orders.transitions only."""
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from notifications import services as notifications
from orders.credits import ledger_grant_purchase, ledger_void_order
from orders.models import OrderItem, OrderStatus, PackageOrder
from orders.transitions import IllegalOrderTransition, order_transition
from packages.models import Package, PackageItem
from packages.selectors import package_is_orderable
from scheduling.models import BookedBy, Booking, BookingStatus, MeetingTypeState
from scheduling.services import booking_cancel, booking_create, lock_owner

PACKAGE_NOT_ORDERABLE = "This package is disabled or deleted."


class OrderError(Exception):
    """A refused order write; `.message` is shown to the user as is."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


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
    now: datetime | None = None,
) -> PackageOrder:
    """Place an order of `package` and copy what is sold into it (the snapshot).

    A free package makes the order active at once (and sends the confirmation); a paid one leaves
    it pending payment for the payments app. Raises OrderError when the package cannot be ordered.
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
            raise OrderError(PACKAGE_NOT_ORDERABLE)
        if locked.terms and not terms_accepted:
            raise OrderError("Accept the Payment Terms and Conditions to order this package.")
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
                item for item in locked.items.all() if item.meeting_type.state == MeetingTypeState.ACTIVE
            )
        )
        ledger_grant_purchase(items=items, now=now)
        if order.price == Decimal("0"):
            order, _ = order_transition(order_id=order.pk, target=OrderStatus.ACTIVE)
            notifications.notify_order_confirmed(order=order)
    return order


def order_session_book(*, item: OrderItem, start: datetime, booked_by: str = BookedBy.CLIENT) -> Booking:
    """Book one session of an order item for the order's client (one credit of its quota).

    The client's details and zone come from the order; booking_create enforces the quota and the
    order being active under its locks and raises BookingError otherwise."""
    order = item.order
    return booking_create(
        meeting_type=item.meeting_type,
        start=start,
        client_name=order.client_name,
        client_email=order.client_email,
        client_phone=order.client_phone,
        client_timezone=order.client_timezone,
        order_item=item,
        booked_by=booked_by,
    )


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
        # Lock order of scheduling.services: owner first, so a booking of this order placed at
        # the same moment either commits before (and is cancelled here) or sees the order cancelled.
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
            raise OrderError(f"This order is {status}; it cannot be cancelled.") from None
        if changed:
            order.cancel_reason = reason
            order.save(update_fields=["cancel_reason", "updated_at"])
            cancelled = order_cancel_upcoming_bookings(order=order, reason=reason, now=now)
            notifications.notify_order_cancelled(order=order, cancelled_bookings=cancelled)
    return order
