"""A German or Spanish client's receipt reads in their language all through: the tax line (its
name and its rate, written with a decimal comma) and how the order was paid, which the app stores
in English and translates where the client reads it."""
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from invoices.models import InvoiceSettings
from payments.services import IssueMode, order_issue
from tests import NOW, make_package

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _issue(owner, capture, *, language: str, tax_rate: str = "0", tax_name: str = "Tax"):
    """An order of 1250.00 EUR the owner issued as paid outside the app (cash), to a client whose
    pages and emails speak `language`, under the owner's tax terms; its client email."""
    owner.page_language = language
    owner.save()
    InvoiceSettings.objects.create(owner=owner, tax_rate=Decimal(tax_rate), tax_name=tax_name,
                                   prices_include_tax=False)
    package = make_package(owner, name="Ten calls", price=Decimal("1250.00"), currency="EUR")
    with capture(execute=True):
        order_issue(owner=owner, package=package, client_name="Greta Gast", client_email="greta@example.com",
                    mode=IssueMode.PAID_OUTSIDE, note="cash")
    [email] = [sent for sent in mail.outbox if sent.to == ["greta@example.com"]]
    return email


def test_a_german_receipt_writes_the_tax_rate_with_a_decimal_comma(owner, django_capture_on_commit_callbacks):
    email = _issue(owner, django_capture_on_commit_callbacks, language="de", tax_rate="7.5", tax_name="MwSt.")
    assert "MwSt. 7,5 %: 93,75 €" in email.body
    assert "MwSt. 7,5 %" in email.alternatives[0][0]
    assert "7.5" not in email.body


def test_a_spanish_receipt_names_the_default_tax_in_spanish(owner, django_capture_on_commit_callbacks):
    # "Tax" is the app's own default name (Settings › Invoices), not a word the owner wrote.
    email = _issue(owner, django_capture_on_commit_callbacks, language="es", tax_rate="21")
    assert "Impuesto 21 %: 262,50 €" in email.body
    assert "Tax " not in email.body


def test_a_german_receipt_says_in_german_that_the_order_was_paid_outside_the_app(
        owner, django_capture_on_commit_callbacks):
    email = _issue(owner, django_capture_on_commit_callbacks, language="de")
    assert "Bezahlt mit: Außerhalb der App bezahlt" in email.body
    assert "Außerhalb der App bezahlt" in email.alternatives[0][0]
    assert "Paid outside the app" not in email.body + email.alternatives[0][0]
