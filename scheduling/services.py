"""Booking writes: create, reschedule and cancel, each in one transaction that holds the owner's lock.

Why a row lock on the owner: a new booking must be checked against every confirmed booking of
the owner (all meeting types, with buffers) and, for a group session, against the seats already
taken, including the very first seat when no row for that session exists yet. Locking the
owner's row serialises the bookings of one owner (and only that owner: two owners never wait for
each other), and the check after the lock sees every committed booking. A PostgreSQL exclusion
constraint cannot express buffers that depend on both meeting types, nor group capacity, so the
lock is the guard. On SQLite the whole database is the lock: transactions begin IMMEDIATE (see
settings), which serialises writers the same way.

Package quotas: an order item's row is locked too (with its order, so an order being cancelled
or refunded cannot race a booking), and the confirmed bookings are counted after the lock.

Lock order is always owner, then booking, then order item and order (the credit ledger of
orders.credits writes under the item lock, inside these transactions); callers that change orders and bookings
together (order cancel, refund) take `lock_owner` first.
"""
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications import services as notifications
from orders.credits import item_balance
from orders.models import OrderItem, OrderStatus
from scheduling.availability import bookable_slot
from scheduling.models import BookedBy, Booking, BookingStatus, MeetingType
from scheduling.signals import booking_cancelled, booking_created


class BookingError(Exception):
    """A booking request that cannot be honoured; `message` is shown to the person asking."""

    message = "This booking could not be made."

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class SlotUnavailable(BookingError):
    message = "That time was just taken. Please pick another time."


class NoSessionsLeft(BookingError):
    message = "No sessions left for this item."


class MeetingTypeUnavailable(BookingError):
    message = "This meeting type can no longer be scheduled."


class OrderNotBookable(BookingError):
    message = "Sessions can only be booked on a paid, active order."


class OrderExpired(BookingError):
    message = "The sessions of this order have expired."


class TooLateToChange(BookingError):
    message = "This session is too close to change online. Please contact your host."


class BookingAlreadyCancelled(BookingError):
    message = "This booking was already cancelled."


class SessionInPast(BookingError):
    message = "This session has already taken place."


def lock_owner(owner_id: int) -> None:
    """Take the owner's row lock for the rest of the current transaction."""
    User.objects.select_for_update().filter(pk=owner_id).values_list("pk", flat=True).get()


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise SlotUnavailable("That time is not valid. Please pick a time from the list.")
    return value.astimezone(UTC)


def _check_quota(order_item: OrderItem, meeting_type: MeetingType) -> None:
    # Locks the item and its order (PostgreSQL locks every joined row of a FOR UPDATE query).
    item = OrderItem.objects.select_for_update().select_related("order").get(pk=order_item.pk)
    if item.meeting_type_id != meeting_type.pk:
        raise BookingError("This session does not belong to that item of the order.")
    if item.order.status != OrderStatus.ACTIVE:
        raise OrderNotBookable()
    if item.order.is_expired(timezone.now()):
        raise OrderExpired(f"The sessions of this order expired on {item.order.expires_at:%-d %b %Y}.")
    # The remaining credits are the item's ledger sum (orders.credits), read after the lock.
    if item_balance(item.pk) < 1:
        raise NoSessionsLeft()


def booking_create(*, meeting_type: MeetingType, start: datetime, client_name: str, client_email: str,
                   client_phone: str = "", client_timezone: str = "UTC", order_item: OrderItem | None = None,
                   booked_by: str = BookedBy.CLIENT, now: datetime | None = None) -> Booking:
    """Book `meeting_type` at `start` for a client, optionally using one credit of `order_item`.

    Raises a BookingError subclass, changing nothing, when the time is not bookable, the
    meeting type is not active, or the order item has no credit left. An owner booking on a
    client's behalf is not held to the minimum notice.
    """
    now = now or timezone.now()
    start = _utc(start)
    with transaction.atomic():
        lock_owner(meeting_type.owner_id)
        # Re-read after the lock: the owner may have disabled it a moment ago.
        meeting_type = MeetingType.objects.select_related("owner").get(pk=meeting_type.pk)
        if not meeting_type.is_bookable:
            raise MeetingTypeUnavailable()
        if order_item is not None:
            _check_quota(order_item, meeting_type)
        slot = bookable_slot(meeting_type=meeting_type, start=start, now=now,
                             enforce_notice=booked_by == BookedBy.CLIENT)
        if slot is None:
            raise SlotUnavailable()
        booking = Booking.objects.create(
            owner_id=meeting_type.owner_id, meeting_type=meeting_type, order_item=order_item,
            start=slot.start, end=slot.end, client_name=client_name.strip(),
            client_email=client_email.strip().lower(), client_phone=client_phone,
            client_timezone=client_timezone or "UTC", booked_by=booked_by,
        )
        # orders debits the credit in this transaction, under the item lock taken above.
        booking_created.send(sender=Booking, booking=booking, by=booked_by, now=now)
        notifications.reminders_schedule(booking=booking)
        notifications.notify_booking_confirmed(booking=booking)
    return booking


def _check_client_may_change(booking: Booking, now: datetime) -> None:
    if booking.start <= now:
        raise SessionInPast()
    if booking.start - now < booking.meeting_type.min_notice_delta:
        raise TooLateToChange()


def _locked_booking(booking: Booking) -> Booking:
    lock_owner(booking.owner_id)
    return Booking.objects.select_for_update().select_related("meeting_type__owner").get(pk=booking.pk)


def booking_reschedule(*, booking: Booking, new_start: datetime, by: str = BookedBy.CLIENT,
                       now: datetime | None = None) -> Booking:
    """Move a confirmed booking to `new_start`, keeping its credit and its token."""
    now = now or timezone.now()
    new_start = _utc(new_start)
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingAlreadyCancelled()
        if by == BookedBy.CLIENT:
            _check_client_may_change(booking, now)
        elif booking.start <= now:
            raise SessionInPast()
        if not booking.meeting_type.is_bookable:
            raise MeetingTypeUnavailable()
        if booking.order_item_id is not None and booking.order_item.order.status != OrderStatus.ACTIVE:
            raise OrderNotBookable()
        slot = bookable_slot(meeting_type=booking.meeting_type, start=new_start, now=now,
                             exclude_booking_id=booking.pk, enforce_notice=by == BookedBy.CLIENT)
        if slot is None:
            raise SlotUnavailable()
        previous_start = booking.start
        if slot.start == previous_start:
            return booking
        booking.start, booking.end = slot.start, slot.end
        booking.sequence += 1
        booking.save(update_fields=["start", "end", "sequence", "updated_at"])
        notifications.reminders_reschedule(booking=booking)
        notifications.notify_booking_rescheduled(booking=booking, previous_start=previous_start)
    return booking


def booking_cancel(*, booking: Booking, by: str = BookedBy.CLIENT, reason: str = "",
                   now: datetime | None = None, notify: bool = True) -> Booking:
    """Cancel a confirmed booking; its time is free again and its credit (if any) returns.

    Cancelling an already cancelled booking raises BookingAlreadyCancelled and changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.status == BookingStatus.CANCELLED:
            raise BookingAlreadyCancelled()
        if by == BookedBy.CLIENT:
            _check_client_may_change(booking, now)
        elif booking.start <= now:
            raise SessionInPast()
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = by
        booking.cancel_reason = reason.strip()[:2000]
        booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"])
        # orders returns (or, for a late cancel, keeps) the credit in this transaction.
        booking_cancelled.send(sender=Booking, booking=booking, by=by, now=now)
        notifications.reminders_drop(booking=booking)
        if notify:
            notifications.notify_booking_cancelled(booking=booking)
    return booking
