"""The rule of booking a session of an order: can this item book one now and, when not, why, in
the words the person asking reads. One function answers it for every path: the client's order page
and "Book several sessions" page and the owner's order page (orders.selectors sets each item's
`booking_refusal` and `can_schedule` from it), and orders.services.order_session_book, which asks
again under the item's lock with the balance read after the lock, and raises the answer.

The answer is a domain error (scheduling's BookingError), so the service raises what the pages show.

A booking limit (at most N sessions a week or a month, as sold) depends on the time asked for, so
it is a second question of the same rule, `booking_limit_refusal`, asked by order_session_book under
the same locks with the order's sessions of that week or month counted after them.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.translation import ngettext

from leadmonk.languages import date_formats
from leadmonk.languages import translatable as _
from orders.models import OrderItem, OrderStatus, PackageOrder
from scheduling.models import Booking
from scheduling.services import BookingError, MeetingTypeUnavailable


class NoSessionsLeft(BookingError):
    message = _("No sessions left for this item.")


class OrderNotBookable(BookingError):
    """The order is not active: pending payment, cancelled, refunded or expired unpaid."""

    message = _("Sessions can only be booked on a paid, active order.")


class OrderExpired(BookingError):
    """The order's sessions expired at `expires_at`: the message names the day in the order's zone
    (the client's, given at checkout) and in the language active when it is read, not when it was
    raised (a client page picks its language after reading the order)."""

    def __init__(self, expires_at: datetime | None = None, zone: str = "UTC"):
        self.expires_at, self.zone = expires_at, zone
        super().__init__()

    def __reduce__(self):
        return OrderExpired, (self.expires_at, self.zone)

    @property
    def message(self) -> str:
        if self.expires_at is None:
            return str(EXPIRED)
        day = dateformat.format(self.expires_at.astimezone(_zone(self.zone)), date_formats()["date"])
        return EXPIRED_ON % {"day": day}


EXPIRED = _("The sessions of this order have expired.")
EXPIRED_ON = _("The sessions of this order expired on %(day)s: no more sessions can be booked.")


class PaymentOverdue(BookingError):
    """A membership's renewal or a payment plan's instalment failed and its grace period is over."""
    message = _("A payment of this order is overdue. Pay it from this page to book sessions again.")


class ClientPhoneMissing(BookingError):
    """The host calls the client (or the meeting type asks for a number) and no number is known."""

    message = _("Please enter your mobile number: this meeting needs one.")


def client_phone_needed(item: OrderItem) -> bool:
    """Whether booking a session of `item` must ask for the client's number: its meeting needs one
    (scheduling's MeetingType.client_phone_required: the host calls the client, or the owner asked
    for it) and the order has none (its package did not ask for it). Every booking path of an order
    asks it: the client's one session and several at once, the owner's "Book for client"."""
    return item.meeting_type.client_phone_required and not item.order.client_phone


# Why an order that is not active books nothing, as its status says (also the notice of the
# client's order page).
NOT_BOOKABLE_MESSAGES = {
    OrderStatus.PENDING_PAYMENT: _("Complete payment to start booking your sessions."),
    OrderStatus.CANCELLED: _("This order was cancelled. No more sessions can be booked."),
    OrderStatus.REFUNDED: _("This order was refunded. No more sessions can be booked."),
    OrderStatus.EXPIRED: _("This order expired before it was paid. No sessions can be booked."),
}


def order_booking_refusal(order: PackageOrder, *, now: datetime) -> BookingError | None:
    """Why no item of `order` can book a session at `now` (None when the order itself allows it):
    it is not active, or its sessions have expired."""
    if not order.is_active:
        return OrderNotBookable(NOT_BOOKABLE_MESSAGES.get(order.status))
    if order.is_expired(now):
        return OrderExpired(order.expires_at, order.client_timezone)
    if order.bookings_held_from is not None and order.bookings_held_from <= now:
        return PaymentOverdue()
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


class SessionOverlapsOrder(BookingError):
    """The time overlaps a confirmed session of the same order (a second seat of one group session
    after a double click, or a move onto it): one client is never in two sessions at once."""

    message = _("This order already has a session at that time.")


class BookingLimitReached(BookingError):
    """The week or month of the time asked for already has the most sessions the order allows;
    `message` names it."""


@dataclass(frozen=True)
class LimitPeriod:
    """A week (Monday to Sunday) or calendar month of the order's zone, as UTC bounds [start, end)."""

    kind: str  # "week" or "month"
    first_day: date
    start: datetime
    end: datetime
    most: int


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):  # an unknown zone name: weeks of UTC rather than a 500
        return ZoneInfo("UTC")


def limit_periods(order: PackageOrder, start: datetime) -> list[LimitPeriod]:
    """The limited periods (week, then month) of `order` that hold `start`; none when it has no limit.
    Weeks start on Monday, as everywhere in the product; both are read in the order's zone."""
    zone = _zone(order.client_timezone)
    day = start.astimezone(zone).date()
    periods = []

    def bounds(first: date, after: date) -> tuple[datetime, datetime]:
        return (datetime.combine(first, datetime.min.time(), zone), datetime.combine(after, datetime.min.time(), zone))

    if order.max_sessions_per_week is not None:
        monday = day - timedelta(days=day.weekday())
        periods.append(LimitPeriod("week", monday, *bounds(monday, monday + timedelta(days=7)),
                                   order.max_sessions_per_week))
    if order.max_sessions_per_month is not None:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        periods.append(LimitPeriod("month", first, *bounds(first, following), order.max_sessions_per_month))
    return periods


def booking_limit_refusal(period: LimitPeriod, *, booked: int, adding: int = 1) -> BookingLimitReached | None:
    """Why `adding` more sessions cannot start in `period` when `booked` sessions of the order
    already do (None when they fit)."""
    if booked + adding <= period.most:
        return None
    if period.kind == "week":
        day = dateformat.format(period.first_day, date_formats()["day_month_year"])
        return BookingLimitReached(ngettext(
            "You have booked %(count)s session in the week of %(day)s, the most this package allows per week.",
            "You have booked %(count)s sessions in the week of %(day)s, the most this package allows per week.",
            booked) % {"count": booked, "day": day})
    return BookingLimitReached(ngettext(
        "You have booked %(count)s session in %(month)s %(year)s, the most this package allows per month.",
        "You have booked %(count)s sessions in %(month)s %(year)s, the most this package allows per month.",
        booked) % {"count": booked, "month": dateformat.format(period.first_day, "F"), "year": period.first_day.year})


def refuse_change_of_inactive_order(*, booking: Booking) -> None:
    """Raise OrderNotBookable when `booking` is a session of an order that is no longer active
    (cancelled, refunded): it cannot be moved any more."""
    if booking.order_item_id is not None and booking.order_item.order.status != OrderStatus.ACTIVE:
        raise OrderNotBookable()
