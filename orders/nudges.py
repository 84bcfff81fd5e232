"""Nudges: the reminder to book sent to a client who has sessions left and nothing coming up, and
the mark on the booking that uses an order's last credit (its confirmation offers the package again).

Each nudge is one outbox message written by notifications (orders.signals) in the transaction
that claims it, so it goes out at most once per order, with two schedulers as with one.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Count, DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.locks import lock_owner
from leadmonk.content_version import orders_changed
from orders.models import CreditLedgerEntry, OrderStatus, PackageOrder
from orders.signals import order_book_nudge
from packages.selectors import package_is_orderable
from scheduling.models import Booking, BookingStatus, bookable_q


def _nudge_candidates(now: datetime) -> QuerySet[PackageOrder]:
    """Paid (active), unexpired orders with the reminder on and not yet sent, sessions left on a
    meeting type that can still be booked, and no session coming up (or under way); annotated with
    `sessions_left` and `last_activity` (the end of the last session, or the purchase)."""
    sessions_left = CreditLedgerEntry.objects.filter(
        bookable_q("order_item__meeting_type__"), order_item__order=OuterRef("pk")
    ).balance_per("order_item__order")
    sessions = Booking.objects.filter(order_item__order=OuterRef("pk"), status=BookingStatus.CONFIRMED)
    last_end = sessions.order_by("-end").values("end")[:1]
    return (
        PackageOrder.objects.filter(
            status=OrderStatus.ACTIVE, book_reminder_days__isnull=False, book_nudge_sent_at__isnull=True,
            credits_expired_at__isnull=True,
            # A client warned that their sessions expire soon was told the same thing already.
            expiry_warned_at__isnull=True,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        # A gift is the recipient's from the day it is sent (orders.gifts): no nudge before.
        .filter(Q(gift__isnull=True) | Q(gift__sent_at__isnull=False))
        .annotate(
            sessions_left=sessions_left,
            has_upcoming=Exists(sessions.filter(end__gt=now)),
            last_activity=Coalesce(Subquery(last_end, output_field=DateTimeField()), "gift__sent_at", "paid_at",
                                   "created_at"),
        )
        .filter(sessions_left__gt=0, has_upcoming=False)
    )


# The reminder is an email a person reads over coffee, not at 3 a.m.: it goes out between these
# hours of the client's own zone (the one they gave at checkout); the task runs every 15 minutes.
DAYTIME_HOURS = range(9, 20)


def _is_due(*, last_activity: datetime, days: int, now: datetime) -> bool:
    return last_activity <= now - timedelta(days=days)


def _is_daytime_for(client_timezone: str, now: datetime) -> bool:
    try:
        zone = ZoneInfo(client_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return now.astimezone(zone).hour in DAYTIME_HOURS


def orders_nudge_to_book(*, now: datetime | None = None, limit: int = 200) -> int:
    """Remind the clients of orders idle for their `book_reminder_days` that they have sessions
    left to book: one email each (an outbox row), once per order, however often this runs and with
    two schedulers, in the client's daytime (DAYTIME_HOURS). Returns how many were reminded.

    Each order is re-checked under the owner's lock (the lock every booking takes first, so a
    session booked meanwhile is seen) and claimed with a conditional update of `book_nudge_sent_at`
    in the transaction that writes the message: the second scheduler finds it claimed, and a worker
    that dies before committing leaves it to the next run."""
    now = now or timezone.now()
    # N differs per order: the SQL keeps what is idle for at least a day (the smallest N), the
    # loop compares with each order's own N (a portable alternative to integer-times-interval).
    candidates = (
        _nudge_candidates(now).filter(last_activity__lte=now - timedelta(days=1))
        .order_by("last_activity", "pk")
        .values_list("pk", "owner_id", "last_activity", "book_reminder_days", "client_timezone")
    )
    due = [(order_id, owner_id) for order_id, owner_id, last_activity, days, zone in candidates.iterator()
           if _is_due(last_activity=last_activity, days=days, now=now) and _is_daytime_for(zone, now)][:limit]
    nudged = 0
    for order_id, owner_id in due:
        with transaction.atomic():
            lock_owner(owner_id)
            still = _nudge_candidates(now).filter(pk=order_id).values_list(
                "sessions_left", "last_activity", "book_reminder_days").first()
            if still is None or not _is_due(last_activity=still[1], days=still[2], now=now):
                continue  # booked meanwhile, or another scheduler sent it
            if not PackageOrder.objects.filter(pk=order_id, book_nudge_sent_at__isnull=True).update(
                    book_nudge_sent_at=now):
                continue
            orders_changed(owner_id=owner_id)
            order = PackageOrder.objects.select_related("owner").get(pk=order_id)
            # notifications writes the message in this transaction (orders.signals).
            order_book_nudge.send(sender=PackageOrder, order=order, sessions_left=still[0])
            nudged += 1
    return nudged


def mark_last_credit(*, order_id: int, booking: Booking) -> None:
    """After `booking` took its credit: when the order has no credit left on any item, remember the
    booking (once per order) so its confirmation offers the package again. Runs in the booking's
    transaction under the owner's lock, which every credit write takes first, so the order-wide
    sum cannot change before it commits."""
    left = CreditLedgerEntry.objects.filter(order_item__order_id=order_id).balance()
    if not left:
        if PackageOrder.objects.filter(pk=order_id, last_credit_booking__isnull=True).update(
                last_credit_booking=booking):
            orders_changed(owner_id=booking.owner_id)


@dataclass(frozen=True)
class SessionNumber:
    """"Session 2 of 5": a package session's place among its order item's sessions."""

    position: int
    total: int

    def __str__(self) -> str:
        return gettext("Session %(position)s of %(total)s") % {"position": self.position, "total": self.total}


def booking_session_number(booking: Booking) -> SessionNumber | None:
    """The place of a confirmed package session among the sessions of its order item, or None for
    a booking that holds no credit (a direct booking, a credit given back) or is cancelled.

    Counted by start time, not by when each was booked: the numbers then follow the order the
    client attends them, so the reminders count up 1, 2, 3 as the sessions come, and a session
    booked into a gap before others takes its place in the sequence. Sessions that used a credit
    without taking place (a late cancel or a no-show that cost the session) keep their number.
    `total` is what the item gives the client now: the sessions used plus those left (the
    quantity sold, with the owner's adjustments). Two queries."""
    if booking.order_item_id is None or not booking.credit_held or not booking.is_confirmed:
        return None
    held = Booking.objects.filter(order_item_id=booking.order_item_id, credit_held=True)
    counts = held.aggregate(
        used=Count("pk"),
        position=Count("pk", filter=Q(start__lt=booking.start) | Q(start=booking.start, pk__lte=booking.pk)),
    )
    left = CreditLedgerEntry.objects.filter(order_item_id=booking.order_item_id).balance()
    return SessionNumber(position=counts["position"], total=counts["used"] + max(left, 0))


def order_buy_again_path(order: PackageOrder) -> str:
    """The order page of the package `order` was bought from when it is still on sale (published,
    the owner's plan includes packages, a meeting type bookable), else "". A few queries."""
    package = order.package
    if not package_is_orderable(package):
        return ""
    if not package.listed:  # its slug address does not sell it: the private link does
        return reverse("public:order_private_package", args=[package.owner.slug, package.private_token])
    return reverse("public:order_package", args=[package.owner.slug, package.slug])
