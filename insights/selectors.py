"""The owner's business over the last 12 months, in their own zone: money by month, sessions by
week, packs sold, credits outstanding and the no-show and late-cancel rates. Each figure is one
aggregated query (grouped by TruncMonth / TruncWeek in the owner's zone), so the page costs the
same number of queries whatever the owner has sold; Python only fills the empty months and weeks.

Definitions (the page says them too):
- taken: payments that went through (paid, or paid and partly or wholly refunded since), by the
  month they were paid; refunded: each refund, in full or in part, by the month it went through (a
  payment refunded with no refund rows, as older data, whole in the month of its refund);
  net = taken − refunded; per currency.
- booked: sessions made that week (a paid session's hold that was never paid is not one);
  used: sessions that took place (confirmed, started, not marked no-show), by the week they were on;
  no-shows: sessions the owner marked no-show; expired: credits a paid order lost at its expiry
  (an order left unpaid, which expires too, lost none).
- packs sold: orders paid that month (orders the owner gave at no charge are not sold).
- credits outstanding: what the owner still owes on active orders: credits not booked yet plus
  sessions booked that have not started, in sessions and in money at the price sold (an order's
  price ÷ the sessions it sold, per session).
- no-show rate: no-shows ÷ (used + no-shows); late-cancel rate: late cancels (a package session
  cancelled inside its order's window) ÷ (used + no-shows + late cancels).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone

from leadmonk.money import round_money
from orders.models import COMPLIMENTARY, CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus, PackageOrder
from payments.models import PAID_STATUSES, Payment, PaymentStatus, Refund, RefundStatus
from scheduling.hold_release import RELEASED_REASON
from scheduling.models import Attendance, Booking, BookingStatus

MONTHS = 12


@dataclass(frozen=True)
class Period:
    """The last 12 months in the owner's zone: from the first day of the month 11 months before
    this one to now; its weeks start on the Monday on or before that day."""

    zone: ZoneInfo
    start: datetime  # aware, midnight in `zone`
    end: datetime
    months: tuple[date, ...]
    weeks: tuple[date, ...]

    @classmethod
    def last_12_months(cls, zone: ZoneInfo, now: datetime | None = None) -> Period:
        now = now or timezone.now()
        today = now.astimezone(zone).date()
        months = []
        year, month = today.year, today.month
        for _ in range(MONTHS):
            months.append(date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.reverse()
        first_monday = months[0] - timedelta(days=months[0].weekday())
        weeks = [first_monday + timedelta(weeks=n) for n in range((today - first_monday).days // 7 + 1)]
        start = datetime.combine(months[0], datetime.min.time(), tzinfo=zone)
        return cls(zone=zone, start=start, end=now, months=tuple(months), weeks=tuple(weeks))


@dataclass
class MoneyMonth:
    month: date
    taken: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded


@dataclass
class SessionWeek:
    week: date
    booked: int = 0
    used: int = 0
    expired: int = 0
    no_shows: int = 0


@dataclass
class Outstanding:
    currency: str
    sessions: int
    money: Decimal


@dataclass
class Insights:
    period: Period
    money: dict[str, list[MoneyMonth]]  # per currency, one row per month
    packs_sold: list[tuple[date, int]]
    sessions: list[SessionWeek]
    outstanding: list[Outstanding]
    late_cancels: int
    totals: dict = field(default_factory=dict)

    @property
    def used(self) -> int:
        return sum(week.used for week in self.sessions)

    @property
    def no_shows(self) -> int:
        return sum(week.no_shows for week in self.sessions)

    @property
    def no_show_rate(self) -> float | None:
        held = self.used + self.no_shows
        return self.no_shows / held if held else None

    @property
    def late_cancel_rate(self) -> float | None:
        scheduled = self.used + self.no_shows + self.late_cancels
        return self.late_cancels / scheduled if scheduled else None


def _local_date(value) -> date:
    """A Trunc* value (aware at local midnight in the zone, or a date) as the local date."""
    return value.date() if isinstance(value, datetime) else value


def _payments_of(owner):
    return Payment.objects.filter(owner=owner)


def money_by_month(owner, period: Period) -> dict[str, list[MoneyMonth]]:
    """Taken and refunded per month and currency (two grouped queries)."""
    taken = (_payments_of(owner)
             .filter(status__in=PAID_STATUSES, confirmed_at__gte=period.start, confirmed_at__lte=period.end)
             .annotate(month=TruncMonth("confirmed_at", tzinfo=period.zone))
             .values("month", "currency").annotate(total=Sum("amount")).order_by())
    # A partly refunded payment has no refund date of its own: its refunds have theirs. One query
    # (a union) with the payments refunded whole before refunds had rows of their own.
    refunds = (Refund.objects.filter(payment__owner=owner, status=RefundStatus.SUCCEEDED,
                                     succeeded_at__gte=period.start, succeeded_at__lte=period.end)
               .annotate(month=TruncMonth("succeeded_at", tzinfo=period.zone))
               .values("month", "currency").annotate(total=Sum("amount")).order_by())
    refunded_without_rows = (
        _payments_of(owner)
        .filter(status=PaymentStatus.REFUNDED, refunds__isnull=True,
                refunded_at__gte=period.start, refunded_at__lte=period.end)
        .annotate(month=TruncMonth("refunded_at", tzinfo=period.zone))
        .values("month", "currency").annotate(total=Sum("amount")).order_by())
    refunded = refunds.union(refunded_without_rows, all=True)
    cells: dict[str, dict[date, list[Decimal]]] = defaultdict(lambda: defaultdict(lambda: [Decimal(0), Decimal(0)]))
    for column, rows in ((0, taken), (1, refunded)):
        for row in rows:
            cells[row["currency"]][_local_date(row["month"])][column] += row["total"]
    return {
        currency: [MoneyMonth(month, round_money(by_month[month][0], currency),
                              round_money(by_month[month][1], currency)) for month in period.months]
        for currency, by_month in sorted(cells.items())
    }


def packs_sold_by_month(owner, period: Period) -> list[tuple[date, int]]:
    rows = (PackageOrder.objects.filter(owner=owner, paid_at__gte=period.start, paid_at__lte=period.end)
            .exclude(paid_with=COMPLIMENTARY)
            .annotate(month=TruncMonth("paid_at", tzinfo=period.zone))
            .values("month").annotate(count=Count("id")).order_by())
    counts = {_local_date(row["month"]): row["count"] for row in rows}
    return [(month, counts.get(month, 0)) for month in period.months]


def sessions_by_week(owner, period: Period) -> list[SessionWeek]:
    """Booked (by the week made), used and no-shows (by the week they were on), expired credits
    (by the week they expired): three grouped queries."""
    weeks = {week: SessionWeek(week) for week in period.weeks}

    def add(rows, **columns) -> None:
        for row in rows:
            week = weeks.get(_local_date(row["week"]))
            if week is not None:
                for name, key in columns.items():
                    setattr(week, name, getattr(week, name) + (row[key] or 0))

    bookings = Booking.objects.filter(owner=owner)
    add(bookings.filter(created_at__gte=period.start, created_at__lte=period.end)
        .exclude(status=BookingStatus.HELD)
        .exclude(status=BookingStatus.CANCELLED, cancel_reason=RELEASED_REASON)  # a hold never paid
        .annotate(week=TruncWeek("created_at", tzinfo=period.zone))
        .values("week").annotate(count=Count("id")).order_by(), booked="count")
    add(bookings.filter(status=BookingStatus.CONFIRMED, start__gte=period.start, start__lte=period.end)
        .annotate(week=TruncWeek("start", tzinfo=period.zone))
        .values("week").annotate(used=Count("id", filter=~Q(attendance=Attendance.NO_SHOW)),
                                 no_shows=Count("id", filter=Q(attendance=Attendance.NO_SHOW))).order_by(),
        used="used", no_shows="no_shows")
    add(CreditLedgerEntry.objects.filter(order_item__order__owner=owner, reason=LedgerReason.EXPIRY,
                                         created_at__gte=period.start, created_at__lte=period.end)
        # An order left unpaid expires too, voiding the grant it was placed with: no sessions lost.
        .exclude(order_item__order__status=OrderStatus.EXPIRED)
        .annotate(week=TruncWeek("created_at", tzinfo=period.zone))
        .values("week").annotate(lost=Sum("change")).order_by(), expired="lost")
    for week in weeks.values():
        week.expired = -week.expired  # an expiry entry takes credits away: a negative change
    return list(weeks.values())


def credits_outstanding(owner, *, now: datetime) -> list[Outstanding]:
    """Per currency, the sessions the owner still owes on active orders (credits not booked plus
    sessions booked not yet started) and their worth at the price sold. One query over the items."""
    future_held = (Booking.objects.filter(order_item=OuterRef("pk"), credit_held=True,
                                          status=BookingStatus.CONFIRMED, start__gt=now)
                   .order_by().values("order_item").annotate(n=Count("id")).values("n"))
    sold = (OrderItem.objects.filter(order=OuterRef("order")).order_by().values("order")
            .annotate(total=Sum("quantity")).values("total"))
    items = (OrderItem.objects.filter(order__owner=owner, order__status=OrderStatus.ACTIVE)
             .filter(Q(order__expires_at__isnull=True) | Q(order__expires_at__gt=now))
             .annotate(balance=CreditLedgerEntry.objects.filter(order_item=OuterRef("pk")).balance_per("order_item"),
                       future=Coalesce(Subquery(future_held, output_field=IntegerField()), 0),
                       sold=Subquery(sold, output_field=IntegerField()))
             .values_list("balance", "future", "sold", "order__price", "order__currency"))
    sessions: dict[str, int] = defaultdict(int)
    worth: dict[str, Decimal] = defaultdict(Decimal)
    for balance, future, sold_total, price, currency in items:
        owed = max(balance, 0) + future
        sessions[currency] += owed
        if sold_total:
            worth[currency] += price * owed / sold_total
    return [Outstanding(currency, sessions[currency], round_money(worth[currency], currency))
            for currency in sorted(sessions)]


def late_cancels(owner, period: Period) -> int:
    return (CreditLedgerEntry.objects.filter(order_item__order__owner=owner, reason=LedgerReason.LATE_CANCEL,
                                             created_at__gte=period.start, created_at__lte=period.end).count())


def insights_for_owner(owner, *, now: datetime | None = None) -> Insights:
    """Everything the Insights page shows: eight queries, whatever the owner has."""
    now = now or timezone.now()
    period = Period.last_12_months(ZoneInfo(owner.timezone), now)
    return Insights(
        period=period, money=money_by_month(owner, period), packs_sold=packs_sold_by_month(owner, period),
        sessions=sessions_by_week(owner, period), outstanding=credits_outstanding(owner, now=now),
        late_cancels=late_cancels(owner, period),
    )
