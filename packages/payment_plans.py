"""A package's payment plan: its price paid in N instalments, weekly or monthly, the first at
ordering. The arithmetic every page shares (the package page, checkout, the order pages, the
instalments app) lives here, at the bottom, so each says the same amounts."""
from decimal import ROUND_DOWN, Decimal

from django.db import models

from leadmonk.money import format_money, quantum

MIN_INSTALMENTS = 2
MAX_INSTALMENTS = 24


class InstalmentInterval(models.TextChoices):
    WEEK = "week", "Weekly"
    MONTH = "month", "Monthly"


class InstalmentAccess(models.TextChoices):
    ALL = "all", "All sessions at once"
    # floor(quantity × paid / N) per item: the rest comes as instalments are paid (orders.credits).
    AS_PAID = "as_paid", "Sessions in proportion to what is paid"


def instalment_amounts(price: Decimal, count: int, currency: str) -> list[Decimal]:
    """`price` split in `count` payments that sum to it exactly: equal amounts rounded down to the
    currency's smallest unit, the last taking the remainder (100.00 in 3: 33.33, 33.33, 33.34)."""
    share = (price / count).quantize(quantum(currency), rounding=ROUND_DOWN)
    return [share] * (count - 1) + [price - share * (count - 1)]


def plan_summary(price: Decimal, currency: str, count: int, interval: str) -> str:
    """"4 payments of 100.00 USD, monthly", or with a remainder
    "3 payments of 33.33 USD (the last 33.34 USD), monthly"."""
    amounts = instalment_amounts(price, count, currency)
    how_often = InstalmentInterval(interval).label.lower()
    if amounts[-1] == amounts[0]:
        return f"{count} payments of {format_money(amounts[0], currency)}, {how_often}"
    return (f"{count} payments of {format_money(amounts[0], currency)} "
            f"(the last {format_money(amounts[-1], currency)}), {how_often}")


def sessions_paid_for(quantity: int, paid: int, count: int) -> int:
    """Sessions of an item available once `paid` of `count` instalments are paid (as paid)."""
    return quantity * paid // count
