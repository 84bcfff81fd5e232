"""Money: `Decimal` amounts with an ISO 4217 currency, and the one place that converts to minor units.

Providers (Stripe, PayPal) take integer minor units; the number of decimals depends on the
currency (JPY has none, BHD has three). Never use float for money.
"""
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

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


# -- What the payment providers take, beside ISO 4217 -----------------------------------------
# Said beside the price when an owner sets one (charge_problem, through the price forms), and checked
# again when a checkout opens (payments.providers), where tax added on top can still break a rule.
STRIPE, PAYPAL = "stripe", "paypal"  # the Payment Medium values

# Stripe (https://docs.stripe.com/currencies, "Special cases"): HUF and TWD are two-decimal in its
# API but charged in whole units only; ISK and UGX are counted in hundredths there, whole units only
# too. A three-decimal currency (BHD, JOD, KWD, OMR, TND) must end in 0, as card networks settle
# it in hundredths.
STRIPE_WHOLE_UNITS = frozenset({"HUF", "TWD", "ISK", "UGX"})
STRIPE_HUNDREDTHS = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Currencies Stripe's API counts in more decimals than ISO 4217 gives them: ISK has no decimals, but
# Stripe kept it two-decimal for backwards compatibility (100 is 1 krona).
STRIPE_EXTRA_DECIMALS = {"ISK": 2}
# The most Stripe takes in one charge: an amount of at most eight digits in its minor units
# (999,999.99 USD, 99,999,999 JPY, 99,999.990 KWD, 999,999 ISK): "Minimum and maximum charge
# amounts" in the same page. None of the currencies with a higher limit (IDR) is sold here.
STRIPE_MAX_AMOUNT = 99_999_999

# The currencies PayPal takes payments in (PayPal's currency codes; BRL, CNY, INR and MYR only for
# accounts of their own country), and those it takes in whole units only: any decimals, even
# "15000.00", are refused (https://developer.paypal.com/api/rest/reference/currency-codes/).
PAYPAL_CURRENCIES = frozenset({
    "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "INR", "ILS", "JPY", "MYR", "MXN", "TWD",
    "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD",
})
PAYPAL_WHOLE_UNITS = frozenset({"HUF", "TWD", "JPY"})


def stripe_minor_units(amount: Decimal, currency: str) -> int:
    """`amount` as Stripe's API takes it: the currency's minor units (1500 JPY -> 1500, 12.34 USD ->
    1234), times 100 for the currencies Stripe keeps two-decimal (15000 ISK -> 1500000)."""
    return to_minor_units(amount, currency) * 10 ** STRIPE_EXTRA_DECIMALS.get(currency.upper(), 0)


def stripe_max_amount(currency: str) -> Decimal:
    """The most Stripe charges at once in `currency`, in a step it takes (999999.99 USD, 99999999
    JPY, 999999 ISK and HUF, 99999.990 KWD)."""
    places = exponent(currency) + STRIPE_EXTRA_DECIMALS.get(currency.upper(), 0)
    step = charge_step(STRIPE, currency)
    most = Decimal(STRIPE_MAX_AMOUNT).scaleb(-places).quantize(step, rounding=ROUND_DOWN)
    return most.quantize(quantum(currency))


def charge_step(medium: str, currency: str) -> Decimal:
    """The smallest step of an amount `medium` can charge in `currency`: 1 for HUF (Stripe and
    PayPal), 0.010 KWD on Stripe, else the currency's own (0.01 USD, 1 JPY)."""
    code = currency.upper()
    if (medium == STRIPE and code in STRIPE_WHOLE_UNITS) or (medium == PAYPAL and code in PAYPAL_WHOLE_UNITS):
        return Decimal(1)
    if medium == STRIPE and code in STRIPE_HUNDREDTHS:
        return Decimal("0.01")
    return quantum(currency)


def payable_step(currency: str) -> Decimal:
    """The step every provider that takes `currency` charges it in: whole forints (Stripe and
    PayPal), 0.010 KWD (Stripe), else the currency's own. Tax on top is rounded to it, so a price a
    provider takes stays a total it takes once tax is added (27% of 15,001 HUF is 4,050, not 4,050.27)."""
    steps = [charge_step(STRIPE, currency)]
    if currency.upper() in PAYPAL_CURRENCIES:
        steps.append(charge_step(PAYPAL, currency))
    return max(steps)


def is_chargeable(medium: str, amount: Decimal, currency: str) -> bool:
    """True when `medium` can charge `amount` in `currency` in one payment (the checkout's check)."""
    return charge_problem(medium, amount, currency) is None


def step_problem(medium: str, amount: Decimal, currency: str, *, what: str = "a price") -> str | None:
    """Why `medium` cannot charge (or refund) `amount` for its decimals ('Stripe takes whole amounts
    of HUF only: enter a price without decimals.'), or None. `what`: what the field asks for."""
    code = currency.upper()
    if medium not in (STRIPE, PAYPAL) or code not in CURRENCY_EXPONENTS or not amount.is_finite():
        return None
    step = charge_step(medium, code)
    if not amount % step:
        return None
    name = "Stripe" if medium == STRIPE else "PayPal"
    if step == 1:
        return f"{name} takes whole amounts of {code} only: enter {what} without decimals."
    example = format_money(Decimal("12.34"), code)
    return (f"{name} takes {code} in steps of {format_money(step, code)} only (the last decimal must be 0): "
            f"enter {what} such as {example}.")


def charge_problem(medium: str, amount: Decimal | None, currency: str) -> tuple[str, str] | None:
    """Why `medium` cannot take a payment of `amount` in `currency`, as (the price form's field it
    belongs beside, the message for the owner), or None. `amount` None: the currency only. An amount
    with more decimals than the currency has is the precision check's to refuse, not this one's."""
    code = (currency or "").upper()
    if medium == PAYPAL and code not in PAYPAL_CURRENCIES:
        return "payment_medium", f"PayPal does not take payments in {code}. Choose Stripe, or another currency."
    if medium not in (STRIPE, PAYPAL) or amount is None or code not in CURRENCY_EXPONENTS \
            or not amount.is_finite() or not has_valid_precision(amount, code):
        return None
    step_refusal = step_problem(medium, amount, code)
    if step_refusal:
        return "price", step_refusal
    if medium == STRIPE and stripe_minor_units(amount, code) > STRIPE_MAX_AMOUNT:
        return "price", (f"Stripe takes at most {format_money(stripe_max_amount(code), code)} in one payment: "
                         "enter a lower price.")
    return None


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
    the last minor unit. The one spelling of tax: checkout charges its total, invoices print it.
    Tax on top is rounded to the step the providers charge the currency in (payable_step: whole
    forints), so the total can be paid wherever the price can."""
    amount, rate = Decimal(amount), Decimal(rate)
    if inclusive:
        total = round_money(amount, currency)
        tax = round_money(total * rate / (100 + rate), currency)
        return TaxBreakdown(net=total - tax, tax=tax, total=total)
    net = round_money(amount, currency)
    tax = round_money((net * rate / 100).quantize(payable_step(currency), rounding=ROUND_HALF_UP), currency)
    return TaxBreakdown(net=net, tax=tax, total=net + tax)


def percent_label(rate: Decimal) -> str:
    """ "20" for 20.00, "7.5" for 7.50: a tax rate as people write it (German and Spanish "7,5")."""
    text = f"{Decimal(rate).normalize():f}"
    return text if current_language() == ENGLISH else text.replace(".", ",")
