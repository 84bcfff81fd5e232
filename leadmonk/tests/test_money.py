"""leadmonk.money: what a price's precision message reads in the page's language, and the one table
of what Stripe and PayPal charge (steps, most in one payment) that the price forms and the
checkout both ask."""
from decimal import Decimal

import pytest
from django.utils import translation

from leadmonk import money


@pytest.mark.parametrize(("language", "currency", "message"), [
    ("en", "JPY", "JPY has no decimals."),
    ("en", "USD", "USD allows at most 2 decimals."),
    ("de", "JPY", "JPY hat keine Nachkommastellen."),
    ("de", "USD", "USD erlaubt höchstens 2 Nachkommastellen."),
    ("de", "BHD", "BHD erlaubt höchstens 3 Nachkommastellen."),
    ("es", "JPY", "JPY no tiene decimales."),
    ("es", "EUR", "EUR admite como máximo 2 decimales."),
])
def test_the_precision_message_reads_in_the_pages_language(language, currency, message):
    with translation.override(language):
        assert money.precision_message(currency) == message


@pytest.mark.parametrize(("medium", "amount", "currency", "chargeable"), [
    ("stripe", "1500", "HUF", True), ("stripe", "1500.50", "HUF", False),
    ("stripe", "990", "TWD", True), ("stripe", "990.10", "TWD", False),
    ("stripe", "12.340", "KWD", True), ("stripe", "12.345", "KWD", False),
    ("stripe", "999999.99", "USD", True), ("stripe", "1000000.00", "USD", False),
    ("stripe", "99999999", "JPY", True), ("stripe", "100000000", "JPY", False),
    ("stripe", "999999", "ISK", True), ("stripe", "1000000", "ISK", False),
    ("stripe", "99999.990", "KWD", True), ("stripe", "100000.000", "KWD", False),
    ("paypal", "15000", "HUF", True), ("paypal", "15000.50", "HUF", False),
    ("paypal", "5000000", "USD", True), ("paypal", "40.000", "KWD", False), ("paypal", "5000", "KRW", False),
])
def test_what_each_provider_can_charge(medium, amount, currency, chargeable):
    assert money.is_chargeable(medium, Decimal(amount), currency) is chargeable


def test_stripe_is_sent_what_its_api_counts():
    assert money.stripe_minor_units(Decimal("12.34"), "USD") == 1234
    assert money.stripe_minor_units(Decimal("15000"), "ISK") == 1500000
    assert money.stripe_minor_units(Decimal("12.340"), "KWD") == 12340
    assert money.stripe_max_amount("HUF") == Decimal("999999.00")
    assert money.stripe_max_amount("KWD") == Decimal("99999.990")


@pytest.mark.parametrize(("amount", "currency", "tax"), [
    ("15001", "HUF", "4050"),     # 4,050.27 would make a total neither Stripe nor PayPal takes
    ("999", "TWD", "50"),         # 5% of 999 is 49.95
    ("10.010", "KWD", "0.500"),   # 5% is 0.5005: Stripe takes KWD in steps of 0.010
    ("100.05", "USD", "20.01"),   # the currency's own cents where providers take them
])
def test_tax_on_top_is_a_step_the_providers_charge(amount, currency, tax):
    rate = "27" if currency == "HUF" else ("5" if currency in ("TWD", "KWD") else "20")
    breakdown = money.tax_breakdown(amount=Decimal(amount), rate=Decimal(rate), inclusive=False, currency=currency)
    assert breakdown.tax == Decimal(tax)
    assert breakdown.total == Decimal(amount) + Decimal(tax)
    assert money.is_chargeable("stripe", breakdown.total, currency)
