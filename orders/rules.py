"""The rule of booking a session of an order: can this item book one now and, when not, why, in
the words the person asking reads. One function answers it for every path: the client's order page
and "Book several sessions" page and the owner's order page (orders.selectors sets each item's
`booking_refusal` and `can_schedule` from it), and orders.services.order_session_book, which asks
again under the item's lock with the balance read after the lock, and raises the answer.

The answer is a domain error (scheduling's BookingError), so the service raises what the pages show.
"""
from datetime import datetime

from orders.models import OrderItem, OrderStatus, PackageOrder
from scheduling.models import Booking
from scheduling.services import BookingError, MeetingTypeUnavailable


class NoSessionsLeft(BookingError):
    message = "No sessions left for this item."


class OrderNotBookable(BookingError):
    """The order is not active: pending payment, cancelled, refunded or expired unpaid."""

    message = "Sessions can only be booked on a paid, active order."


class OrderExpired(BookingError):
    message = "The sessions of this order have expired."


class ClientPhoneMissing(BookingError):
    """The host calls the client (or the meeting type asks for a number) and no number is known."""

    message = "Please enter your mobile number: this meeting needs one."


def client_phone_needed(item: OrderItem) -> bool:
    """Whether booking a session of `item` must ask for the client's number: its meeting needs one
    (scheduling's MeetingType.client_phone_required: the host calls the client, or the owner asked
    for it) and the order has none (its package did not ask for it). Every booking path of an order
    asks it: the client's one session and several at once, the owner's "Book for client"."""
    return item.meeting_type.client_phone_required and not item.order.client_phone


# Why an order that is not active books nothing, as its status says (also the notice of the
# client's order page).
NOT_BOOKABLE_MESSAGES = {
    OrderStatus.PENDING_PAYMENT: "Complete payment to start booking your sessions.",
    OrderStatus.CANCELLED: "This order was cancelled. No more sessions can be booked.",
    OrderStatus.REFUNDED: "This order was refunded. No more sessions can be booked.",
    OrderStatus.EXPIRED: "This order expired before it was paid. No sessions can be booked.",
}


def order_booking_refusal(order: PackageOrder, *, now: datetime) -> BookingError | None:
    """Why no item of `order` can book a session at `now` (None when the order itself allows it):
    it is not active, or its sessions have expired."""
    if not order.is_active:
        return OrderNotBookable(NOT_BOOKABLE_MESSAGES.get(order.status))
    if order.is_expired(now):
        return OrderExpired(f"The sessions of this order expired on {order.expires_at:%-d %b %Y}: "
                            "no more sessions can be booked.")
    return None


def item_booking_refusal(item: OrderItem, *, remaining: int, now: datetime) -> BookingError | None:
    """Why `item` (its order and meeting type joined) cannot book a session at `now`, None when it
    can. `remaining` is its ledger balance. The order's reasons come first, then the meeting type
    (DESIGN rule 6: disabled or deleted), then the credits."""
    refusal = order_booking_refusal(item.order, now=now)
    if refusal is None and not item.meeting_type.is_bookable:
        refusal = MeetingTypeUnavailable()
    if refusal is None and remaining < 1:
        refusal = NoSessionsLeft()
    return refusal


def refuse_change_of_inactive_order(*, booking: Booking) -> None:
    """Raise OrderNotBookable when `booking` is a session of an order that is no longer active
    (cancelled, refunded): it cannot be moved any more."""
    if booking.order_item_id is not None and booking.order_item.order.status != OrderStatus.ACTIVE:
        raise OrderNotBookable()
