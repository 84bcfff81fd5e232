"""Tax on an invoice: inside the price or added to it, rounded with the currency's rounding."""
from decimal import Decimal

import pytest

from invoices.models import CreditNote
from invoices.services import invoice_settings_save
from invoices.tax import tax_breakdown
from invoices.tests.helpers import paid_order
from payments.models import Provider
from payments.services import payment_refund


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


@pytest.mark.django_db
def test_the_invoice_and_its_credit_note_call_the_tax_by_the_owners_name_for_it(client, owner, settings):
    """Settings › Invoices names the tax ("VAT"); the documents said "Tax 20 %" all the same. The
    name is kept with the document as issued: renaming it later changes no invoice."""
    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("20"),
                          prices_include_tax=True, number_prefix="INV-", footer="", tax_name="VAT")
    settings.TEST_PAYMENTS_ENABLED = True
    order, payment = paid_order(owner, price="120.00", currency="GBP", provider=Provider.TEST)
    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("20"),
                          prices_include_tax=True, number_prefix="INV-", footer="", tax_name="MwSt.")
    payment_refund(payment=payment, by_owner=owner)
    before = paid_order(owner, price="60.00", currency="GBP")[1].invoice
    before.seller.pop("tax_name")  # issued before documents kept the name
    before.save(update_fields=["seller"])

    def text(path):
        return " ".join(client.get(path).content.decode().split())

    invoice = text(f"/orders/{order.token}/invoices/INV-0001/")
    credit_note = text(f"/orders/{order.token}/invoices/{CreditNote.objects.get(payment=payment).number}/")
    older = text(f"/orders/{before.order.token}/invoices/{before.number}/")

    assert "VAT 20 % (included)" in invoice and "Tax 20 %" not in invoice
    assert "VAT 20 %" in credit_note and "MwSt." not in credit_note
    assert "Tax 20 % (included)" in older
