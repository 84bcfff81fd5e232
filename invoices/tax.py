"""Tax on an amount, inclusive or exclusive, rounded once with the currency's rounding
(leadmonk.money.round_money: JPY to the yen, USD to the cent)."""
from dataclasses import dataclass
from decimal import Decimal

from leadmonk.money import round_money


@dataclass(frozen=True)
class TaxBreakdown:
    net: Decimal
    tax: Decimal
    total: Decimal


def tax_breakdown(*, amount: Decimal, rate: Decimal, inclusive: bool, currency: str) -> TaxBreakdown:
    """`amount` at `rate` percent. Inclusive: the tax is inside the amount (net + tax = amount).
    Exclusive: the amount is the net, and the tax comes on top. The tax is rounded, and the other
    part is what is left, so net + tax is always the total to the last minor unit."""
    amount, rate = Decimal(amount), Decimal(rate)
    if inclusive:
        total = round_money(amount, currency)
        tax = round_money(total * rate / (100 + rate), currency)
        return TaxBreakdown(net=total - tax, tax=tax, total=total)
    net = round_money(amount, currency)
    tax = round_money(net * rate / 100, currency)
    return TaxBreakdown(net=net, tax=tax, total=net + tax)
