"""Demo data for `manage.py seed_demo`: a year of the demo owner's past business, so Insights
(/dashboard/insights/) has something to draw under `make run`: packs of the demo package paid in
each of the last eleven months through the test provider, their sessions held week after week
(a few no-shows, one late cancel), one order refunded and one whose last credits expired.

Written as rows, as bench.seed does (the booking services refuse times in the past; an order's
bookings and entries in bulk), with the credit ledger each row would have had: a purchase grant, a
debit per session that holds a credit, a zero entry for a forfeit, the expiry and the refund's void.
Runs after payments.demo. Idempotent: it does nothing when the history is there already."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from leadmonk.content_version import bookings_changed, orders_changed
from orders import demo as orders_demo
from orders.models import CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus, PackageOrder
from orders.signals import order_client_changed
from packages.models import Package
from payments.models import Payment, PaymentStatus, Provider
from scheduling.models import Attendance, BookedBy, Booking, BookingStatus

HISTORY_EMAIL = "history-{n}@example.com"
CLIENTS = ["Alex Morgan", "Sam Rivera", "Priya Patel", "Noah Kim", "Lea Dubois", "Omar Haddad", "Mia Rossi",
           "Ken Sato", "Zoe Walker", "Ivan Petrov", "Ana Souza", "Tom Berg", "Eva Novak", "Raj Mehta"]


def _credit(entries: list, item: OrderItem, change: int, reason: str, at: datetime,
            booking: Booking | None = None) -> None:
    entries.append(CreditLedgerEntry(order_item=item, change=change, reason=reason, booking=booking, created_at=at))


def _write_sessions(order: PackageOrder, bookings: list[tuple[Booking, datetime]],
                    entries: list[CreditLedgerEntry]) -> None:
    """The order's bookings (with the time each was made) and ledger entries, each kind in one
    INSERT, then its client's row of the Clients table recomputed once: the post_save of each row
    (which bulk_create does not send) recomputed or added to it every time, most of the history's CPU."""
    Booking.objects.bulk_create([booking for booking, _booked_at in bookings])
    for booking, booked_at in bookings:
        booking.created_at = booked_at
    Booking.objects.bulk_update([booking for booking, _booked_at in bookings], ["created_at"])
    CreditLedgerEntry.objects.bulk_create(entries)
    order_client_changed.send(sender=PackageOrder, owner_id=order.owner_id, emails=[order.client_email])


@transaction.atomic
def seed(owner) -> int:
    """Create the history; returns how many orders it made (0 when it was there already)."""
    package = Package.objects.for_owner(owner).filter(slug=orders_demo.DEMO_PACKAGE_SLUG).first()
    if package is None or PackageOrder.objects.filter(owner=owner, client_email=HISTORY_EMAIL.format(n=0)).exists():
        return 0
    zone = ZoneInfo(owner.timezone)
    now = timezone.now()
    package_items = list(package.items.select_related("meeting_type").order_by("position"))
    taken: set[datetime] = set()

    def free_start(day: datetime) -> datetime:
        """10:00 on `day` in the owner's zone, or the next free hour: a host's sessions never overlap."""
        start = day.astimezone(zone).replace(hour=10, minute=0, second=0, microsecond=0)
        while start in taken:
            start += timedelta(hours=1)
        taken.add(start)
        return start.astimezone(UTC)

    made = 0
    for months_ago in range(11, 0, -1):
        for k in range(1 + months_ago % 3):  # one to three packs a month
            n = made
            made += 1
            paid_at = now - timedelta(days=30 * months_ago - 3 - 8 * k)
            refunded = n == 7
            order = PackageOrder.objects.create(
                owner=owner, package=package, status=OrderStatus.REFUNDED if refunded else OrderStatus.ACTIVE,
                client_name=CLIENTS[n % len(CLIENTS)], client_email=HISTORY_EMAIL.format(n=n),
                client_timezone=owner.timezone, title=package.name, description=package.description,
                price=package.price, currency=package.currency, payment_medium=package.payment_medium,
                paid_at=paid_at, paid_with="Test provider",
                expires_at=paid_at + timedelta(days=90) if n == 2 else None,
            )
            PackageOrder.objects.filter(pk=order.pk).update(created_at=paid_at)
            payment = Payment.objects.create(
                order=order, provider=Provider.TEST, amount=package.price, currency=package.currency,
                status=PaymentStatus.REFUNDED if refunded else PaymentStatus.CONFIRMED, confirmed_at=paid_at,
                refunded_at=paid_at + timedelta(days=6) if refunded else None,
                provider_payment_id=f"test-history-{n}")
            Payment.objects.filter(pk=payment.pk).update(created_at=paid_at)
            week = 0
            bookings: list[tuple[Booking, datetime]] = []
            entries: list[CreditLedgerEntry] = []
            for package_item in package_items:
                item = OrderItem.objects.create(
                    order=order, meeting_type=package_item.meeting_type,
                    meeting_type_name=package_item.meeting_type.name,
                    duration_minutes=package_item.meeting_type.duration_minutes, kind=package_item.meeting_type.kind,
                    quantity=package_item.quantity, position=package_item.position)
                _credit(entries, item, item.quantity, LedgerReason.PURCHASE, paid_at)
                if refunded:
                    _credit(entries, item, -item.quantity, LedgerReason.REFUND, paid_at + timedelta(days=6))
                    continue
                used = 0
                # Some keep a credit for later; the order that expires used one session of each item.
                sessions = 1 if order.expires_at is not None else item.quantity - (1 if n % 4 == 0 else 0)
                for _ in range(sessions):
                    week += 1
                    start = free_start(paid_at + timedelta(days=7 * week))
                    if start > now - timedelta(days=1):
                        break
                    no_show = (n + week) % 9 == 0
                    late_cancel = n == 5 and week == 2
                    booking = Booking(
                        owner=owner, meeting_type=item.meeting_type, order_item=item, start=start,
                        end=start + item.duration, client_name=order.client_name, client_email=order.client_email,
                        client_timezone=owner.timezone, booked_by=BookedBy.CLIENT, credit_held=True,
                        holds_host=not item.meeting_type.is_group,
                        status=BookingStatus.CANCELLED if late_cancel else BookingStatus.CONFIRMED,
                        cancelled_at=start - timedelta(hours=3) if late_cancel else None,
                        cancelled_by=BookedBy.CLIENT if late_cancel else "",
                        attendance="" if late_cancel else (Attendance.NO_SHOW if no_show else Attendance.ATTENDED))
                    booked_at = start - timedelta(days=4)
                    bookings.append((booking, booked_at))
                    _credit(entries, item, -1, LedgerReason.BOOKING, booked_at, booking)
                    if late_cancel:
                        _credit(entries, item, 0, LedgerReason.LATE_CANCEL, start - timedelta(hours=3), booking)
                    elif no_show:
                        _credit(entries, item, 0, LedgerReason.NO_SHOW, start + timedelta(hours=1), booking)
                    used += 1
                left = item.quantity - used
                if order.expires_at is not None and order.expires_at < now and left:
                    _credit(entries, item, -left, LedgerReason.EXPIRY, order.expires_at)
            _write_sessions(order, bookings, entries)
    # The dates were set with update(), the bookings and entries written in bulk: no post_save.
    orders_changed(owner_id=owner.pk)
    bookings_changed(owner_id=owner.pk)
    return made
