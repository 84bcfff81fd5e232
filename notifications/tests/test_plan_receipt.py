"""The receipt of an order paid in instalments says what the checkout took (the first payment) and
the plan, beside the order's amount: not only 'Amount: 100.00 USD' over an invoice of 33.33 USD."""
import pytest
import time_machine
from django.core import mail

from instalments.tests.conftest import pay_checkout, place, plan_package
from tests import NOW, make_meeting_type

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_provider_only(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def _receipt(owner, capture, *, language: str):
    with time_machine.travel(NOW, tick=False):
        coaching = make_meeting_type(owner, name="Coaching", slug="coaching", duration_minutes=60)
        order = place(plan_package(owner, coaching))  # 100.00 USD in 3 monthly payments
        order.client_language = language
        order.save(update_fields=["client_language"])
        with capture(execute=True):
            pay_checkout(order)
    [email] = [sent for sent in mail.outbox if sent.to == ["cleo@example.com"]]
    return email


@pytest.mark.parametrize(("language", "lines"), [
    ("en", ["Amount: 100.00 USD", "Payment plan: 3 payments of 33.33 USD (the last 33.34 USD), monthly",
            "First payment: 33.33 USD"]),
    ("de", ["Betrag: 100,00 $", "Ratenplan: 3 Zahlungen von 33,33 $ (die letzte 33,34 $), monatlich",
            "Erste Zahlung: 33,33 $"]),
    ("es", ["Importe: 100,00 $", "Plan de pagos: 3 pagos de 33,33 $ (el último, 33,34 $), mensual",
            "Primer pago: 33,33 $"]),
])
def test_a_payment_plan_receipt_says_what_the_checkout_took_and_the_plan(
        owner, django_capture_on_commit_callbacks, language, lines):
    email = _receipt(owner, django_capture_on_commit_callbacks, language=language)

    html = " ".join(email.alternatives[0][0].split())
    for line in lines:
        assert line in email.body
        label, value = line.split(": ", 1)
        assert label in html and value in html
