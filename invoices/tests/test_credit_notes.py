"""A refund issues a credit note naming the invoice, numbered in its own sequence (CN-0001, ...)."""
from decimal import Decimal

import pytest

from invoices.models import CreditNote
from invoices.services import CreditNoteRefused, credit_note_issue, invoice_settings_save
from invoices.tests.helpers import paid_order
from orders.models import OrderStatus
from payments.models import Provider
from payments.services import payment_mark_refunded, payment_refund

pytestmark = pytest.mark.django_db


@pytest.fixture
def vat(owner):
    return invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("20"),
                                 prices_include_tax=True, number_prefix="INV-", footer="")


def test_a_full_refund_issues_a_credit_note_naming_the_invoice(owner, vat, settings):
    settings.TEST_PAYMENTS_ENABLED = True
    order, payment = paid_order(owner, price="120.00", currency="EUR", provider=Provider.TEST)

    payment_refund(payment=payment, by_owner=owner)

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    note = CreditNote.objects.get(payment=payment)
    assert note.number == "CN-0001" and note.invoice == payment.invoice
    assert (note.total, note.tax, note.net) == (Decimal("120"), Decimal("20"), Decimal("100"))
    assert note.order == order and note.is_test


def test_a_refund_marked_twice_issues_one_credit_note(owner, vat):
    _, payment = paid_order(owner)

    payment_mark_refunded(payment_id=payment.pk, outside_app=True)
    payment_mark_refunded(payment_id=payment.pk, outside_app=True)

    assert CreditNote.objects.filter(payment=payment).count() == 1


def test_partial_credit_notes_are_idempotent_on_their_key_and_add_up_to_the_invoice(owner, vat):
    _, payment = paid_order(owner, price="100.00", currency="EUR")

    first = credit_note_issue(payment=payment, amount=Decimal("33.33"), reason="One session back",
                              source_key="refund-7")
    again = credit_note_issue(payment=payment, amount=Decimal("33.33"), reason="One session back",
                              source_key="refund-7")
    rest = credit_note_issue(payment=payment, reason="The rest", source_key="refund-8")

    assert again == first
    assert [first.number, rest.number] == ["CN-0001", "CN-0002"]
    assert first.tax == Decimal("5.56")  # 16.67 of VAT in 100.00, a third of it
    assert first.total + rest.total == payment.invoice.total
    assert first.tax + rest.tax == payment.invoice.tax


@pytest.mark.parametrize(("amount", "message"), [
    (Decimal("0"), "A credit note must be for more than nothing."),
    (Decimal("-5"), "A credit note must be for more than nothing."),
    (Decimal("100.01"), "Only 100.00 EUR of INV-0001 is left to credit."),
])
def test_a_credit_note_for_nothing_or_more_than_is_left_is_refused(owner, vat, amount, message):
    _, payment = paid_order(owner, price="100.00", currency="EUR")

    with pytest.raises(CreditNoteRefused) as refused:
        credit_note_issue(payment=payment, amount=amount, reason="", source_key="refund-x")

    assert refused.value.message == message
    assert not CreditNote.objects.exists()


def test_credit_notes_have_their_own_sequence_per_owner(owner, other_owner, vat):
    _, first = paid_order(owner)
    _, second = paid_order(owner)
    _, others = paid_order(other_owner)

    numbers = [credit_note_issue(payment=payment, reason="", source_key="full").number
               for payment in (first, second, others)]

    assert numbers == ["CN-0001", "CN-0002", "CN-0001"]
    assert second.invoice.number == "INV-0002"
