"""Booking several sessions of an order in one go (a set chosen on the order page, or a weekly
series): every chosen session is booked, or none is.

Why one transaction around order_session_book: each session takes the locks of a single booking
(owner, then the order item and its order; accounts/locks.py documents the order) inside a
savepoint of one outer transaction that took the owner lock first. When any session is refused,
the error leaves the outer block and everything before it (bookings, ledger debits, reminders)
rolls back, so a set that fails leaves nothing behind. The client is told which time failed.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.locks import lock_owner
from leadmonk.languages import translatable as _
from orders import signals
from orders.models import OrderItem, PackageOrder
from orders.services import order_session_book
from scheduling.models import BookedBy, Booking
from scheduling.services import BookingError

# A set is booked in one request under the owner's lock: keep it bounded.
MAX_SESSIONS_PER_SET = 52


@dataclass(frozen=True)
class SessionChoice:
    """One chosen session: an item of the order and a start (UTC)."""

    item: OrderItem
    start: datetime


class SessionSetRefused(BookingError):
    """The set was not booked (nothing was); `choice` is the session that failed, if one did."""

    def __init__(self, message: str, choice: SessionChoice | None = None):
        self.choice = choice
        super().__init__(message)


def order_sessions_book(*, order: PackageOrder, choices: list[SessionChoice], booked_by: str = BookedBy.CLIENT,
                        now: datetime | None = None, client_timezone: str = "",
                        client_phone: str = "") -> list[Booking]:
    """Book every session of `choices` for the order's client, or none.

    Raises SessionSetRefused (changing nothing) when the set is empty, too long, holds the same
    time twice, or when any one session is refused by order_session_book (taken meanwhile, no credit
    left, order no longer active, no number for a meeting that needs one); one email lists the
    sessions booked, with one calendar file. `client_phone` as order_session_book takes it.
    """
    now = now or timezone.now()
    if not choices:
        raise SessionSetRefused(_("Choose at least one time."))
    if len(choices) > MAX_SESSIONS_PER_SET:
        raise SessionSetRefused(_("Book at most %(count)s sessions at a time.") % {"count": MAX_SESSIONS_PER_SET})
    repeated = [start for start, count in Counter(choice.start for choice in choices).items() if count > 1]
    if repeated:
        raise SessionSetRefused(_("The same time was chosen twice. Remove one of them."))
    ordered = sorted(choices, key=lambda choice: (choice.start, choice.item.pk))
    bookings: list[Booking] = []
    with transaction.atomic():
        lock_owner(order.owner_id)  # the owner first, as every booking and order write does
        for choice in ordered:
            if choice.item.order_id != order.pk:
                raise SessionSetRefused(_("This session does not belong to this order."), choice)
            try:
                bookings.append(order_session_book(item=choice.item, start=choice.start, booked_by=booked_by,
                                                   now=now, notify=False, client_timezone=client_timezone,
                                                   client_phone=client_phone))
            except BookingError as error:
                raise SessionSetRefused(error.message, choice) from None
        signals.order_sessions_booked.send(sender=PackageOrder, order=order, bookings=bookings)
    return bookings
