"""Bench data: an owner with N bookings, orders and packages in proportion, bulk-inserted."""
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import User
from accounts.plans import Plan
from clients.upkeep import clients_rebuild
from orders.models import CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus, PackageOrder
from packages.models import Package, PackageItem, PackageState
from payments.models import Payment, PaymentStatus, Provider
from scheduling.models import Booking, ExternalBusy, MeetingType, MeetingTypeKind, WeeklyInterval

OWNER_TZ = "America/New_York"
HOURS = [(time(8), time(12)), (time(13), time(18))]
# Busy times from the owner's other calendars (calendars app): half past, half over the next 180 days.
EXTERNAL_EVENTS = 2000


def seed_owner(*, size: int, now: datetime, slug: str | None = None) -> User:
    """An owner with `size` bookings: most in the past, the rest filling part of the next 60 days;
    and EXTERNAL_EVENTS busy times from other calendars over a year around now."""
    rng = random.Random(size)
    slug = slug or f"bench-{size}"
    owner = User.objects.create_user(
        email=f"{slug}@example.com", password="bench-pass-123", display_name=f"Bench owner {size}",
        slug=slug, timezone=OWNER_TZ, plan=Plan.TEAM, email_verified=True,
        # An owner with thousands of bookings finished the first hour's setup checklist long ago:
        # their dashboard home lists the sessions without it (five queries more while it shows).
        setup_done_at=now - timedelta(days=365),
    )
    WeeklyInterval.objects.bulk_create(
        [WeeklyInterval(owner=owner, weekday=d, start_time=s, end_time=e) for d in range(6) for s, e in HOURS]
    )
    coaching = MeetingType.objects.create(
        owner=owner, name="Coaching session", slug="coaching", duration_minutes=30, slot_step_minutes=30,
        buffer_after_minutes=10, min_notice_minutes=60, horizon_days=90,
    )
    workshop = MeetingType.objects.create(
        owner=owner, name="Group workshop", slug="workshop", kind=MeetingTypeKind.GROUP, capacity=8,
        duration_minutes=60, slot_step_minutes=60, min_notice_minutes=60, horizon_days=90,
    )
    MeetingType.objects.create(  # "intro": the booking-path benchmark books it
        owner=owner, name="Intro call", slug="intro", duration_minutes=15, slot_step_minutes=15,
        min_notice_minutes=60, horizon_days=90,
    )
    package_count = max(3, size // 1000)
    packages = []
    for index in range(package_count):
        package = Package.objects.create(
            owner=owner, name=f"Pack {index + 1}", slug=f"pack-{index + 1}",
            description="Four sessions and a workshop.",
            price=Decimal("240.00"), currency="USD", payment_medium="stripe",
            # Packages grow with the business, but an owner sells a few at a time and retires the rest.
            state=PackageState.ACTIVE if index < 3 else PackageState.DISABLED,
        )
        PackageItem.objects.bulk_create([
            PackageItem(package=package, meeting_type=coaching, quantity=4, position=0),
            PackageItem(package=package, meeting_type=workshop, quantity=2, position=1),
        ])
        packages.append(package)

    # One order for every five bookings; every order has both items.
    order_count = max(1, size // 5)
    orders = PackageOrder.objects.bulk_create([
        PackageOrder(
            owner=owner, package=packages[i % package_count], status=OrderStatus.ACTIVE,
            client_name=f"Client {i}", client_email=f"client{i}@example.com", client_timezone="Europe/London",
            title=packages[i % package_count].name, description="Four sessions and a workshop.",
            price=Decimal("240.00"), currency="USD", payment_medium="stripe", paid_at=now,
        )
        for i in range(order_count)
    ], batch_size=2000)
    # Each order paid by card (the dashboard's payments list).
    Payment.objects.bulk_create([
        Payment(order=order, owner_id=order.owner_id, provider=Provider.STRIPE, status=PaymentStatus.CONFIRMED,
                amount=order.price, currency=order.currency, confirmed_at=now)
        for order in orders
    ], batch_size=2000)
    items = OrderItem.objects.bulk_create([
        item
        for order in orders
        for item in (
            OrderItem(order=order, meeting_type=coaching, meeting_type_name="Coaching session",
                      duration_minutes=30, kind="one_on_one", quantity=4, position=0),
            OrderItem(order=order, meeting_type=workshop, meeting_type_name="Group workshop",
                      duration_minutes=60, kind="group", quantity=2, position=1),
        )
    ], batch_size=4000)
    coaching_items = items[0::2]

    zone = ZoneInfo(OWNER_TZ)

    def starts(first_day, days: int, step: timedelta, length: timedelta):
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            if day.weekday() > 5:
                continue
            for start, end in HOURS:
                moment = datetime.combine(day, start, zone)
                while moment + length <= datetime.combine(day, end, zone):
                    yield moment.astimezone(UTC)
                    moment += step

    today = now.astimezone(zone).date()
    # The future: up to a third of the coaching slots of the next 60 days are taken.
    future_free = [s for s in starts(today + timedelta(days=1), 60, timedelta(minutes=40), timedelta(minutes=30))]
    future_count = min(size // 5, len(future_free) // 3)
    future = sorted(rng.sample(future_free, future_count))
    past_count = size - future_count
    past_days = past_count // 15 + 2
    past = list(starts(today - timedelta(days=past_days * 7 // 6 + 7), past_days * 7 // 6 + 6,
                       timedelta(minutes=40), timedelta(minutes=30)))[:past_count]
    moments = past + future
    bookings = []
    for index, start in enumerate(moments):
        # Every other booking uses a credit, spread evenly (at most 3 of the 4 credits an item has).
        item = coaching_items[(index // 2) % len(coaching_items)] if index % 2 == 0 else None
        bookings.append(Booking(
            owner=owner, meeting_type=coaching, order_item=item, start=start, end=start + timedelta(minutes=30),
            client_name=f"Client {index}", client_email=f"client{index % 997}@example.com",
            client_timezone="Europe/London", credit_held=item is not None,
        ))
    Booking.objects.bulk_create(bookings, batch_size=5000)
    _open_ledgers(items, bookings, now)
    external = sorted(rng.sample(list(starts(today - timedelta(days=180), 360, timedelta(minutes=15), timedelta(0))),
                                 EXTERNAL_EVENTS))
    ExternalBusy.objects.bulk_create([
        ExternalBusy(owner=owner, source_id=1, start=start, end=start + timedelta(minutes=rng.choice((30, 45, 60))))
        for start in external], batch_size=5000)
    clients_rebuild(owner.pk)  # the Clients table (the rows above were inserted in bulk: no signals)
    return owner


def _open_ledgers(items: list[OrderItem], bookings: list[Booking], now: datetime) -> None:
    """The credit ledger of the rows inserted in bulk, as order_create and order_session_book
    write it: each item's purchase grant, and a debit for each booking that holds a credit."""
    CreditLedgerEntry.objects.bulk_create(
        [CreditLedgerEntry(order_item_id=item.pk, change=item.quantity, reason=LedgerReason.PURCHASE, created_at=now)
         for item in items]
        + [CreditLedgerEntry(order_item_id=booking.order_item_id, change=-1, reason=LedgerReason.BOOKING,
                             booking_id=booking.pk, created_at=booking.created_at or now)
           for booking in bookings if booking.order_item_id is not None],
        batch_size=5000,
    )


def seed_and_analyze(*, size: int, now: datetime) -> User:
    """`seed_owner` for a run that measures one owner (bench.profile, bench.engine), saying how long
    it took, then VACUUM ANALYZE, as autovacuum would have it on a live database."""
    import sys
    from time import perf_counter

    from django.db import connection

    began = perf_counter()
    owner = seed_owner(size=size, now=now)
    print(f"seeded {size} bookings in {perf_counter() - began:.1f}s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return owner
