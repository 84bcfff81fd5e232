"""Builders of the tests' data: meeting types and weekly hours, packages, bookings and teams.
Each makes rows the way the app leaves them, with defaults a test overrides by keyword; the
people are in personas.py. Every app's tests import these from `tests`."""
import itertools
from datetime import time
from decimal import Decimal
from importlib import import_module

from django.db import transaction
from django.utils.text import slugify

from accounts.models import User
from orders.credits import ledger_grant_purchase
from orders.models import OrderItem, PackageOrder
from packages.models import Package, PackageItem, PackageState, PaymentMedium
from scheduling.models import Booking, MeetingType, MeetingTypeKind, WeeklyInterval
from teams import services as team_services
from teams.models import Membership, Role, Team, TeamMeetingKind
from tests.personas import make_owner

_meeting_type_numbers = itertools.count(1)
_package_numbers = itertools.count(1)

# --- Scheduling ---------------------------------------------------------------------------------


def make_meeting_type(owner, **kw) -> MeetingType:
    """A live meeting type of `owner`; any model field can be overridden by keyword.

    Defaults: 1:1, 30 minutes, slot step 30, no buffers, no minimum notice, 60-day horizon.
    `kind="group"` without a capacity gives capacity 5.
    """
    n = next(_meeting_type_numbers)
    kw.setdefault("name", f"Meeting {n}")
    kw.setdefault("slug", f"meeting-{n}")
    kw.setdefault("kind", MeetingTypeKind.ONE_ON_ONE)
    if kw["kind"] == MeetingTypeKind.GROUP:
        kw.setdefault("capacity", 5)
    kw.setdefault("duration_minutes", 30)
    kw.setdefault("slot_step_minutes", 30)
    kw.setdefault("min_notice_minutes", 0)
    kw.setdefault("horizon_days", 60)
    return MeetingType.objects.create(owner=owner, **kw)


def set_weekly_hours(owner, hours: dict[int, list[tuple[time, time]]]) -> list[WeeklyInterval]:
    """Replace the owner's weekly hours: {weekday (0 = Monday): [(start, end), ...]}."""
    with transaction.atomic():
        WeeklyInterval.objects.filter(owner=owner).delete()
        return WeeklyInterval.objects.bulk_create(
            [
                WeeklyInterval(owner=owner, weekday=weekday, start_time=start, end_time=end)
                for weekday, intervals in sorted(hours.items())
                for start, end in intervals
            ]
        )


def make_booking(meeting_type: MeetingType, start, **fields) -> Booking:
    """A booking row as booking leaves it (times straight in, no slot check, no hooks called).
    The client is Cleo unless told otherwise."""
    fields.setdefault("client_name", "Cleo Client")
    fields.setdefault("client_email", "cleo@example.com")
    fields.setdefault("holds_host", not meeting_type.is_group)
    return Booking.objects.create(owner=meeting_type.owner, meeting_type=meeting_type, start=start,
                                  end=start + meeting_type.duration, **fields)


# --- Packages -----------------------------------------------------------------------------------


def make_package(owner, items=None, **fields) -> Package:
    """A package of `owner` with `items` = [(meeting_type, quantity), ...].

    Without items it gets one fresh 1:1 meeting type ×1. Defaults: 100.00 USD, Stripe, active.
    """
    n = next(_package_numbers)
    fields.setdefault("name", f"Package {n}")
    fields.setdefault("slug", f"{slugify(fields['name'])[:60] or 'package'}-{n}")
    fields.setdefault("price", Decimal("100.00"))
    fields.setdefault("currency", "USD")
    fields.setdefault("payment_medium", PaymentMedium.STRIPE if fields["price"] > 0 else "")
    fields.setdefault("state", PackageState.ACTIVE)
    package = Package.objects.create(owner=owner, **fields)
    if items is None:
        items = [(make_meeting_type(owner), 1)]
    PackageItem.objects.bulk_create(
        PackageItem(package=package, meeting_type=meeting_type, quantity=quantity, position=position)
        for position, (meeting_type, quantity) in enumerate(items)
    )
    return package


def make_order(of: Package | User, meeting_type: MeetingType | None = None, *, sessions: int = 1,
               price: Decimal | str | None = None, currency: str | None = None, medium: str | None = None,
               with_items: bool = False, **fields) -> PackageOrder:
    """An order row (no payment, no hooks called) of the package `of`, or of a fresh package of the
    owner `of`: `sessions` of `meeting_type` (one fresh 1:1 meeting type without it), sold at
    `price` in `currency` through the Payment Medium `medium` (make_package's defaults otherwise).

    Its title, price, currency and Payment Medium are copied from the package unless given; the
    status is the model's (pending payment) and the client Cleo unless told otherwise. With
    `with_items` it also gets one item per package item with its purchased credits, as ordering
    leaves a placed order, so its sessions can be booked."""
    if isinstance(of, Package):
        package = of
    else:
        package_fields = {"price": Decimal(str(price))} if price is not None else {}
        if currency is not None:
            package_fields["currency"] = currency
        if medium is not None:
            package_fields["payment_medium"] = medium
        package = make_package(of, items=None if meeting_type is None else [(meeting_type, sessions)],
                               **package_fields)
    fields.setdefault("client_name", "Cleo Client")
    fields.setdefault("client_email", "cleo@example.com")
    fields.setdefault("title", package.name)
    fields.setdefault("price", package.price if price is None else Decimal(str(price)))
    fields.setdefault("currency", currency or package.currency)
    fields.setdefault("payment_medium", package.payment_medium if medium is None else medium)
    with transaction.atomic():
        order = PackageOrder.objects.create(owner=package.owner, package=package, **fields)
        if with_items:
            items = OrderItem.objects.bulk_create(
                OrderItem(order=order, meeting_type=item.meeting_type, meeting_type_name=item.meeting_type.name,
                          duration_minutes=item.meeting_type.duration_minutes, kind=item.meeting_type.kind,
                          quantity=item.quantity, position=item.position)
                for item in package.items.select_related("meeting_type").order_by("position")
            )
            ledger_grant_purchase(items=items)
    return order


def open_ledgers() -> None:
    """The credit ledger of order items a test made as bare rows (OrderItem.objects.create, not
    order_create), as the data migrations gave the orders placed before the ledger existed: each
    item's purchase grant, a debit for each confirmed booking (which then holds its credit), and
    the void of what is left on closed orders. Items with entries are skipped: twice is once."""
    from django.apps import apps

    for migration, function in (("0005_ledger_for_existing_orders", "backfill"),
                                ("0009_void_closed_orders_ledger", "void_closed"),
                                ("0010_void_unpaid_expired_orders_ledger", "void_unpaid_expired")):
        getattr(import_module(f"orders.migrations.{migration}"), function)(apps, None)


# --- Teams --------------------------------------------------------------------------------------

WEEKDAYS_9_TO_5 = {day: [(time(9), time(17))] for day in range(5)}


def make_team(owner, *, members=(), slug: str | None = None, name: str = "Acme Coaching",
              timezone_name: str = "America/New_York") -> Team:
    """A team run by `owner` (admin) with `members` (users) joined as members."""
    team = team_services.team_create(owner=owner, name=name, slug=slug or f"team-of-{owner.slug}",
                                     timezone_name=timezone_name)
    for user in members:
        Membership.objects.create(team=team, user=user, role=Role.MEMBER)
    return team


def make_member(**kw):
    """A user with weekday hours 9-17 New York (a Free-plan owner unless told otherwise)."""
    kw.setdefault("plan", "free")
    user = make_owner(**kw)
    set_weekly_hours(user, WEEKDAYS_9_TO_5)
    return user


def make_team_meeting_type(team, *, kind=TeamMeetingKind.ROUND_ROBIN, users=None, now=None, **fields):
    """A team meeting type hosted by `users` (default: every member). Defaults: 30 minutes, step
    30, no buffers, no notice, 60-day horizon."""
    memberships = list(team.memberships.all() if users is None else team.memberships.filter(user__in=users))
    values = {"name": "Intro call", "slug": "intro-call", "kind": kind, "duration_minutes": 30,
              "slot_step_minutes": 30, "min_notice_minutes": 0, "horizon_days": 60, **fields}
    return team_services.team_meeting_type_save(team=team, by=team.owner, fields=values,
                                                memberships=memberships, now=now)
