"""Reads of memberships: an order's membership, the owner's Members page and its monthly recurring
revenue."""
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from leadmonk import money
from memberships.models import MembershipStatus, PackageMembership
from packages.models import BillingInterval

# Members page filters: query value -> the statuses it shows (None: every status).
STATE_FILTERS = {
    "": None,
    "active": [MembershipStatus.ACTIVE],
    "past_due": [MembershipStatus.PAST_DUE],
    "paused": [MembershipStatus.PAUSED],
    "cancelled": [MembershipStatus.CANCELLED],
}
# What counts in the monthly recurring revenue: what will be charged again (a past-due member is
# still billed; a paused or cancelled one is not).
BILLED_STATUSES = [MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE]
# Periods per month: a weekly membership is billed 52 times a year.
MONTHS_PER_PERIOD = {BillingInterval.WEEK: Decimal(12) / Decimal(52), BillingInterval.MONTH: Decimal(1),
                     BillingInterval.YEAR: Decimal(12)}


def membership_of_order(*, order_id: int) -> PackageMembership | None:
    return PackageMembership.objects.filter(order_id=order_id).first()


def memberships_of_orders(*, order_ids: list[int]) -> dict[int, PackageMembership]:
    """The memberships of these orders by order id (one query)."""
    return {membership.order_id: membership for membership in PackageMembership.objects.filter(order_id__in=order_ids)}


def members_for_owner(*, owner, state: str = "") -> QuerySet[PackageMembership]:
    """The owner's memberships (with their orders) for the Members page, newest first; `state` one of
    STATE_FILTERS (an unknown one shows all)."""
    rows = PackageMembership.objects.filter(owner=owner).select_related("order")
    statuses = STATE_FILTERS.get(state)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    return rows.order_by("-created_at", "-id")


def monthly_amount(*, price: Decimal, interval: str, count: int) -> Decimal:
    """What one membership brings in a month: its price over the months of one period."""
    months = MONTHS_PER_PERIOD.get(interval)
    if months is None or count < 1:
        return Decimal(0)
    return price / (months * count)


@dataclass(frozen=True)
class Revenue:
    currency: str
    amount: Decimal
    members: int

    @property
    def label(self) -> str:
        return money.format_money(money.round_money(self.amount, self.currency), self.currency)


def monthly_recurring_revenue(*, owner) -> list[Revenue]:
    """The monthly recurring revenue per currency of the owner's billed memberships (weekly ×52/12,
    yearly /12, each over its interval count), from what each order was sold at (after any promo code)
    and before tax, as Stripe counts it: tax is the tax office's money, whether prices include it
    or it comes on top (`price` is then the net already)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    rows = PackageMembership.objects.filter(owner=owner, status__in=BILLED_STATUSES).values_list(
        "order__price", "order__currency", "order__billing_interval", "order__billing_interval_count",
        "order__prices_include_tax", "order__tax_rate")
    for price, currency, interval, count, include_tax, tax_rate in rows:
        if include_tax and tax_rate:
            price = money.tax_breakdown(amount=price, rate=tax_rate, inclusive=True, currency=currency).net
        totals[currency] += monthly_amount(price=price, interval=interval, count=count)
        counts[currency] += 1
    return [Revenue(currency, totals[currency], counts[currency]) for currency in sorted(totals)]
