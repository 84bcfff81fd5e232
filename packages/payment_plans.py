"""A package's payment plan: its price paid in N instalments, weekly or monthly, the first at
ordering. The arithmetic every page shares (the package page, checkout, the order pages, the
instalments app) lives here, at the bottom, so each says the same amounts."""
from decimal import ROUND_DOWN, Decimal

from django.db import models
from django.utils.translation import ngettext

from leadmonk.languages import translatable as _
from leadmonk.money import format_money, payable_step, quantum

MIN_INSTALMENTS = 2
MAX_INSTALMENTS = 24


class InstalmentInterval(models.TextChoices):
    WEEK = "week", _("Weekly")
    MONTH = "month", _("Monthly")


class InstalmentAccess(models.TextChoices):
    ALL = "all", "All sessions at once"
    # floor(quantity × paid / N) per item: the rest comes as instalments are paid (orders.credits).
    AS_PAID = "as_paid", "Sessions in proportion to what is paid"


def instalment_amounts(price: Decimal, count: int, currency: str) -> list[Decimal]:
    """`price` split in `count` payments that sum to it exactly: equal amounts rounded down to the
    smallest step the providers charge (leadmonk.money.payable_step: a cent, a whole forint), the
    last taking the remainder (100.00 in 3: 33.33, 33.33, 33.34; 15001 HUF in 2: 7500, 7501)."""
    share = (price / count).quantize(payable_step(currency), rounding=ROUND_DOWN).quantize(quantum(currency))
    return [share] * (count - 1) + [price - share * (count - 1)]


def plan_summary(price: Decimal, currency: str, count: int, interval: str) -> str:
    """"4 payments of 100.00 USD, monthly", or with a remainder
    "3 payments of 33.33 USD (the last 33.34 USD), monthly"."""
    amounts = instalment_amounts(price, count, currency)
    how_often = str(InstalmentInterval(interval).label).lower()
    values = {"count": count, "amount": format_money(amounts[0], currency), "last": format_money(amounts[-1], currency),
              "how_often": how_often}
    if amounts[-1] == amounts[0]:
        return ngettext("%(count)s payment of %(amount)s, %(how_often)s",
                        "%(count)s payments of %(amount)s, %(how_often)s", count) % values
    return ngettext("%(count)s payment of %(amount)s (the last %(last)s), %(how_often)s",
                    "%(count)s payments of %(amount)s (the last %(last)s), %(how_often)s", count) % values


def sessions_paid_for(quantity: int, paid: int, count: int) -> int:
    """Sessions of an item available once `paid` of `count` instalments are paid (as paid)."""
    return quantity * paid // count
