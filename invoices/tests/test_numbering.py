"""Invoice numbers: in sequence per owner, no gaps, no repeats, also under parallel payments
(DESIGN.md rule 12 and "invoice numbers have no gaps or repeats" under concurrent requests)."""
import re
from decimal import Decimal

import pytest
from django.db import transaction

from invoices.models import Invoice, NumberSequence, SequenceKind
from invoices.services import invoice_settings_save
from invoices.tests.helpers import paid_order
from payments.models import Payment, PaymentStatus, Provider
from payments.services import payment_confirm
from tests import make_meeting_type, make_order, race

pytestmark = pytest.mark.django_db


def test_each_payment_of_an_owner_gets_the_next_number(owner):
    numbers = [paid_order(owner)[1].invoice.number for _ in range(3)]

    assert numbers == ["INV-0001", "INV-0002", "INV-0003"]


def test_each_owner_has_a_sequence_of_their_own(owner, other_owner):
    paid_order(owner)
    paid_order(owner)

    _, payment = paid_order(other_owner)

    assert payment.invoice.number == "INV-0001"
    assert list(Invoice.objects.filter(owner=owner).values_list("sequence", flat=True)) == [1, 2]


def test_the_prefix_of_the_settings_leads_the_number_and_the_sequence_carries_on(owner):
    paid_order(owner)
    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal(0),
                          prices_include_tax=True, number_prefix="2026-", footer="")

    _, payment = paid_order(owner)

    assert payment.invoice.number == "2026-0002"


def test_a_number_has_at_least_four_digits_and_grows_past_them(owner):
    paid_order(owner)
    NumberSequence.objects.filter(owner=owner, kind=SequenceKind.INVOICE).update(last_number=998)
    numbers = [paid_order(owner)[1].invoice.number for _ in range(2)]
    NumberSequence.objects.filter(owner=owner, kind=SequenceKind.INVOICE).update(last_number=9999)
    numbers.append(paid_order(owner)[1].invoice.number)

    assert numbers == ["INV-0999", "INV-1000", "INV-10000"]
    assert Invoice.objects.get(number="INV-10000").sequence == 10000


def test_a_confirmation_that_rolls_back_gives_its_number_back(owner):
    paid_order(owner)
    order = make_order(owner, price="50.00", currency="USD")
    payment = Payment.objects.create(order=order, provider=Provider.STRIPE, amount=order.price, currency="USD")

    with pytest.raises(RuntimeError), transaction.atomic():
        payment_confirm(payment_id=payment.pk, amount=Decimal("50.00"), currency="USD")
        assert Invoice.objects.get(payment=payment).number == "INV-0002"
        raise RuntimeError("the database said no after the invoice was numbered")

    assert not Invoice.objects.filter(payment=payment).exists()
    assert NumberSequence.objects.get(owner=owner, kind=SequenceKind.INVOICE).last_number == 1
    _, next_payment = paid_order(owner)
    assert next_payment.invoice.number == "INV-0002"


def test_a_replayed_confirmation_issues_no_second_invoice(owner):
    _, payment = paid_order(owner)

    payment_confirm(payment_id=payment.pk, amount=payment.amount, currency="USD")

    assert Invoice.objects.filter(owner=owner).count() == 1


def test_a_payment_whose_amount_does_not_match_is_not_invoiced(owner):
    order = make_order(owner, price="50.00", currency="USD")
    payment = Payment.objects.create(order=order, provider=Provider.STRIPE, amount=order.price, currency="USD")

    payment_confirm(payment_id=payment.pk, amount=Decimal("5.00"), currency="USD")

    assert not Invoice.objects.exists()


def _open_payments(owner, count: int, monkeypatch) -> list[Payment]:
    """`count` orders of `owner`, each with a Stripe payment waiting for its money."""
    # The confirmation emails are sent (eagerly) from each thread; the PDF is not what is tested here.
    monkeypatch.setattr("notifications.emails.document_pdf", lambda document: b"%PDF-1.7 test")
    meeting_type = make_meeting_type(owner)
    payments = []
    for n in range(count):
        order = make_order(owner, meeting_type, price="30.00", currency="USD", with_items=True,
                           client_email=f"client{n}@example.com")
        payments.append(Payment.objects.create(order=order, provider=Provider.STRIPE, amount=order.price,
                                               currency="USD"))
    return payments


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_payments_of_one_owner_get_twenty_consecutive_numbers(owner, monkeypatch):
    payments = _open_payments(owner, 20, monkeypatch)

    done, refusals = race(20, lambda n: payment_confirm(payment_id=payments[n].pk, amount=Decimal("30.00"),
                                                        currency="USD"), LookupError)

    assert (done, refusals) == (20, [])
    assert Payment.objects.filter(status=PaymentStatus.CONFIRMED).count() == 20
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 21))
    assert Invoice.objects.values("number").distinct().count() == 20


SETTINGS = {"business_name": "", "address": "", "tax_id": "", "tax_rate": "0", "tax_name": "VAT",
            "number_prefix": "INV-", "footer": "", "prices_include_tax": "on"}


@pytest.mark.django_db
def test_an_owner_coming_from_another_tool_carries_their_numbering_on_and_it_only_goes_up(owner_client, owner):
    """Settings › Invoices, "Next invoice number": 457 after an invoice 456 issued elsewhere. A
    number already given here is refused beside the field and nothing is saved."""
    url = "/dashboard/settings/invoices/"
    assert 'name="next_number" value="1"' in owner_client.get(url).content.decode()

    owner_client.post(url, {**SETTINGS, "next_number": "457"})
    _, first = paid_order(owner)
    _, second = paid_order(owner)
    back = owner_client.post(url, {**SETTINGS, "next_number": "458", "tax_name": "GST"})
    letters = owner_client.post(url, {**SETTINGS, "next_number": "soon"})

    assert (first.invoice.number, second.invoice.number) == ("INV-0457", "INV-0458")
    assert back.status_code == 400
    assert back.context["form"].errors == {
        "next_number": ["Invoice INV-0458 was issued already: enter 459 or more."]}
    assert letters.context["form"].errors == {"next_number": ["Enter a whole number, such as 457."]}
    assert owner.invoice_settings.tax_name == "VAT"
    assert 'name="next_number" value="459"' in owner_client.get(url).content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_moving_the_numbering_on_while_payments_arrive_gives_no_number_twice_and_leaves_one_gap(owner, monkeypatch):
    payments = _open_payments(owner, 12, monkeypatch)

    def attempt(n):
        if n == 6:
            return invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("0"),
                                         prices_include_tax=True, number_prefix="INV-", footer="", next_number=500)
        return payment_confirm(payment_id=payments[n].pk, amount=Decimal("30.00"), currency="USD")

    done, refusals = race(12, attempt, LookupError)

    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    below = [number for number in numbers if number < 500]
    assert (done, refusals) == (12, [])
    assert len(numbers) == 11
    assert below == list(range(1, len(below) + 1))
    assert numbers[len(below):] == list(range(500, 500 + 11 - len(below)))


@pytest.mark.django_db
def test_saving_invoice_settings_opened_before_a_sale_keeps_the_numbering_and_saves_the_rest(owner_client, owner):
    """The page offered "Next invoice number: 1"; a client paid meanwhile (INV-0001). Saving the page
    with that field as it was shown changes the tax name, and the numbering carries on (no error
    about a number the owner never typed)."""
    url = "/dashboard/settings/invoices/"
    page = owner_client.get(url).content.decode()
    assert 'name="next_number" value="1"' in page
    # What the browser sends back of the numbering: the field as shown, and any hidden input with it.
    shown = dict(re.findall(r'name="(next_number\w*)" value="(\d+)"', page))
    paid_order(owner)

    response = owner_client.post(url, {**SETTINGS, **shown, "tax_name": "GST"})
    _, later = paid_order(owner)

    assert response.status_code == 302
    assert owner.invoice_settings.tax_name == "GST"
    assert later.invoice.number == "INV-0002"
