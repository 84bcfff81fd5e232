"""Money: `Decimal` amounts with an ISO 4217 currency, and the one place that converts to minor units.

Providers (Stripe, PayPal) take integer minor units; the number of decimals depends on the
currency (JPY has none, BHD has three). Never use float for money.
"""
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadmonk.languages import ENGLISH, current_language, localized_amount

# Currencies the product sells in, with their exponents (ISO 4217 minor units).
CURRENCY_EXPONENTS: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "NZD": 2, "CHF": 2, "SEK": 2, "NOK": 2,
    "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "INR": 2, "SGD": 2, "HKD": 2, "MXN": 2, "BRL": 2,
    "ZAR": 2, "ILS": 2, "AED": 2, "PHP": 2, "THB": 2, "MYR": 2, "TWD": 2,
    "JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "ISK": 0,
    "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3,
}
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_EXPONENTS)]


class UnknownCurrency(ValueError):
    pass


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency.upper()]
    except KeyError:
        raise UnknownCurrency(f"{currency!r} is not a supported currency") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when `amount` has no more decimals than the currency allows (10.5 JPY is not)."""
    return amount == amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def precision_message(currency: str) -> str:
    """ "JPY has no decimals." / "USD allows at most 2 decimals.", in the active language."""
    digits = exponent(currency)
    if digits == 0:
        return _("%(currency)s has no decimals.") % {"currency": currency}
    return ngettext("%(currency)s allows at most %(digits)d decimal.",
                    "%(currency)s allows at most %(digits)d decimals.", digits) % {
        "currency": currency, "digits": digits}


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """12.34 USD -> 1234; 1500 JPY -> 1500; 1.234 BHD -> 1234."""
    return int(round_money(amount, currency).scaleb(exponent(currency)))


def from_minor_units(minor: int, currency: str) -> Decimal:
    return round_money(Decimal(minor).scaleb(-exponent(currency)), currency)


def format_money(amount: Decimal, currency: str) -> str:
    """'49.00 USD', '1,500 JPY' — the plain, unambiguous form used on every page and email; on a
    German or Spanish page or message "49,00 $", "1.500 ¥" (leadmonk.languages)."""
    rounded = round_money(amount, currency)
    return localized_amount(rounded, currency, exponent(currency)) or f"{rounded:,} {currency.upper()}"


def price_label(amount: Decimal, currency: str) -> str:
    """What a price reads as on a page: "Free" at zero, else "240.00 USD"."""
    if not amount:
        return str(_("Free"))
    try:
        return format_money(amount, currency)
    except UnknownCurrency:
        return f"{amount} {currency}"


# What people type around a number: currency signs and codes ("$400", "400 USD", "€ 1.200,50"),
# spaces and apostrophes between thousands ("1 200", "1'200"). Nothing else is taken away: "12abc"
# stays what it is, and the form says it is no price.
_CODES = "|".join(CURRENCY_EXPONENTS)
_CURRENCY_CODE = re.compile(rf"^(?:{_CODES})(?=[\s\d$€£¥₩₹₪₱฿-])|(?<=[\s\d])(?:{_CODES})$", re.IGNORECASE)
_CURRENCY_SIGNS_AND_SPACES = re.compile(r"[\s'’$€£¥₩₹₪₱฿]")
_NUMBER_WITH_MARKS = re.compile(r"-?[\d.,]*\d[\d.,]*")


def normalise_amount(text: str) -> str:
    """An amount as typed ("$400", "400.00", "400,00", "1,200", "1.200,50", "1 200") as Decimal
    reads it ("400", "400.00", "400.00", "1200", "1200.50", "1200"); text that is no number comes
    back unchanged (the form field then says what to type).

    Which mark is the decimal one: with both a comma and a dot, the last; with one mark used more
    than once, none (thousands); a dot used once, always (so "10.123" stays three decimals, which
    the form refuses for USD and BHD accepts); a comma used once, the decimal one unless exactly
    three digits follow it ("400,00" is four hundred, "1,200" twelve hundred)."""
    stripped = _CURRENCY_SIGNS_AND_SPACES.sub("", _CURRENCY_CODE.sub("", (text or "").strip()))
    if not _NUMBER_WITH_MARKS.fullmatch(stripped):
        return text
    marks = [char for char in stripped if char in ",."]
    if not marks:
        return stripped
    if "," in marks and "." in marks:
        decimal_mark = marks[-1]
        thousands = "." if decimal_mark == "," else ","
        return stripped.replace(thousands, "").replace(decimal_mark, ".")
    mark = marks[0]
    if len(marks) > 1:
        return stripped.replace(mark, "")
    whole, _, fraction = stripped.partition(mark)
    if mark == "," and len(fraction) == 3 and whole.lstrip("-"):
        return whole + fraction
    return f"{whole}.{fraction}"


@dataclass(frozen=True)
class TaxBreakdown:
    net: Decimal
    tax: Decimal
    total: Decimal


def tax_breakdown(*, amount: Decimal, rate: Decimal, inclusive: bool, currency: str) -> TaxBreakdown:
    """`amount` at `rate` percent. Inclusive: the tax is inside the amount (net + tax = amount).
    Exclusive: the amount is the net, and the tax comes on top. The tax is rounded once with the
    currency's rounding, and the other part is what is left, so net + tax is always the total to
    the last minor unit. The one spelling of tax: checkout charges its total, invoices print it."""
    amount, rate = Decimal(amount), Decimal(rate)
    if inclusive:
        total = round_money(amount, currency)
        tax = round_money(total * rate / (100 + rate), currency)
        return TaxBreakdown(net=total - tax, tax=tax, total=total)
    net = round_money(amount, currency)
    tax = round_money(net * rate / 100, currency)
    return TaxBreakdown(net=net, tax=tax, total=net + tax)


def percent_label(rate: Decimal) -> str:
    """ "20" for 20.00, "7.5" for 7.50: a tax rate as people write it (German and Spanish "7,5")."""
    text = f"{Decimal(rate).normalize():f}"
    return text if current_language() == ENGLISH else text.replace(".", ",")
