"""Tax on an invoice: inside the price or added to it, rounded with the currency's rounding."""
from decimal import Decimal

import pytest

from invoices.services import invoice_settings_save
from invoices.tax import tax_breakdown
from invoices.tests.helpers import paid_order


def test_tax_included_in_a_price_is_carved_out_of_it():
    breakdown = tax_breakdown(amount=Decimal("120.00"), rate=Decimal("20"), inclusive=True, currency="EUR")

    assert (breakdown.net, breakdown.tax, breakdown.total) == (Decimal("100.00"), Decimal("20.00"), Decimal("120.00"))


def test_tax_added_to_a_price_comes_on_top():
    breakdown = tax_breakdown(amount=Decimal("100.00"), rate=Decimal("7.5"), inclusive=False, currency="USD")

    assert (breakdown.net, breakdown.tax, breakdown.total) == (Decimal("100.00"), Decimal("7.50"), Decimal("107.50"))


def test_included_tax_is_rounded_to_the_cent_and_the_net_is_the_rest():
    breakdown = tax_breakdown(amount=Decimal("49.99"), rate=Decimal("19"), inclusive=True, currency="EUR")

    # 49.99 × 19 / 119 = 7.9817... → 7.98
    assert (breakdown.net, breakdown.tax) == (Decimal("42.01"), Decimal("7.98"))
    assert breakdown.net + breakdown.tax == Decimal("49.99")


def test_yen_have_no_decimals_in_tax_either():
    included = tax_breakdown(amount=Decimal("1500"), rate=Decimal("10"), inclusive=True, currency="JPY")
    added = tax_breakdown(amount=Decimal("1555"), rate=Decimal("10"), inclusive=False, currency="JPY")

    assert (included.net, included.tax, included.total) == (Decimal("1364"), Decimal("136"), Decimal("1500"))
    assert (added.tax, added.total) == (Decimal("156"), Decimal("1711"))  # 155.5 rounds half up


def test_no_tax_rate_means_no_tax():
    breakdown = tax_breakdown(amount=Decimal("80.00"), rate=Decimal("0"), inclusive=True, currency="GBP")

    assert (breakdown.net, breakdown.tax) == (Decimal("80.00"), Decimal("0.00"))


@pytest.mark.django_db
def test_a_yen_invoice_shows_tax_included_in_whole_yen(owner):
    invoice_settings_save(owner=owner, business_name="Kato Coaching", address="", tax_id="T1234",
                          tax_rate=Decimal("10"), prices_include_tax=True, number_prefix="INV-", footer="")

    _, payment = paid_order(owner, price="15000", currency="JPY")

    invoice = payment.invoice
    assert (invoice.net, invoice.tax, invoice.total) == (Decimal("13636"), Decimal("1364"), Decimal("15000"))
    assert invoice.amount_paid == Decimal("15000") and invoice.amount_due == 0


@pytest.mark.django_db
def test_with_prices_before_tax_the_invoice_adds_the_tax_and_shows_what_is_due(owner):
    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("20"),
                          prices_include_tax=False, number_prefix="INV-", footer="")

    _, payment = paid_order(owner, price="100.00", currency="GBP")

    invoice = payment.invoice
    assert (invoice.net, invoice.tax, invoice.total) == (Decimal("100.00"), Decimal("20.00"), Decimal("120.00"))
    assert invoice.amount_due == Decimal("20.00")
