"""Tax at checkout: when the owner's prices exclude tax (Settings › Invoices), the client is charged
price − discount + tax by every provider (mocked at HTTP only), the pages say so before paying,
and the invoice's total is what was paid. The order keeps the tax it was placed with."""
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
import time_machine

from invoices.models import Invoice
from invoices.services import invoice_settings_save
from orders.models import OrderStatus
from orders.services import order_create
from payments.models import Payment, PaymentStatus, Provider
from payments.services import IssueMode, order_issue
from payments.tests.helpers import (
    PAYPAL_API,
    PAYPAL_KEYS,
    STRIPE_API,
    STRIPE_KEYS,
    mock_paypal_token,
    mock_stripe_session,
    paypal_capture,
    paypal_order,
    post_stripe_event,
    stripe_event,
    stripe_session,
)
from promotions.models import PromoCode
from scheduling.holds import booking_hold
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, make_package, set_weekly_hours

pytestmark = pytest.mark.django_db


def tax_settings(owner, *, rate: str = "20", included: bool = False, name: str = "VAT") -> None:
    invoice_settings_save(owner=owner, business_name="Casey Coaching Ltd", address="", tax_id="GB123",
                          tax_rate=Decimal(rate), tax_name=name, prices_include_tax=included,
                          number_prefix="INV-", footer="")


def place(package, **fields):
    return order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                        terms_accepted=True, **fields)


@pytest.fixture
def package(owner):
    tax_settings(owner)
    return make_package(owner, name="Four sessions", price=Decimal("400.00"), currency="USD")


@pytest.fixture
def stripe_keys(settings):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)
    settings.TEST_PAYMENTS_ENABLED = False


@pytest.fixture
def paypal_keys(settings):
    for name, value in PAYPAL_KEYS.items():
        setattr(settings, name, value)
    settings.STRIPE_SECRET_KEY = ""
    settings.TEST_PAYMENTS_ENABLED = False


@pytest.fixture
def test_provider(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def _stripe_form(call) -> dict:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def _invoice_of(payment: Payment) -> Invoice:
    return Invoice.objects.get(payment=payment)


def test_the_order_keeps_the_tax_and_costs_price_plus_tax(package):
    order = place(package)
    assert (order.price, order.tax_rate, order.tax_name, order.prices_include_tax) == (
        Decimal("400.00"), Decimal("20"), "VAT", False)
    assert (order.tax_added, order.total_price) == (Decimal("80.00"), Decimal("480.00"))


def test_stripe_is_asked_for_price_plus_tax_and_the_invoice_total_is_what_was_paid(client, package, stripe_keys):
    order = place(package)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_test_1", "object": "checkout.session",
                                                              "url": "https://checkout.stripe.com/c/pay/cs_test_1"})
        client.post(f"/payments/checkout/{order.token}/")
        assert _stripe_form(rsps.calls[0])["line_items[0][price_data][unit_amount]"] == "48000"
        payment = Payment.objects.get(order=order)
        mock_stripe_session(rsps, stripe_session(payment, amount_total=48000))
        assert post_stripe_event(client, stripe_event("evt_tax", "checkout.session.completed",
                                                      {"id": "cs_test_1"})).status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and not payment.flagged
    assert order.status == OrderStatus.ACTIVE
    invoice = _invoice_of(payment)
    assert invoice.total == invoice.amount_paid == payment.amount == Decimal("480.00")
    assert (invoice.subtotal, invoice.net, invoice.tax, invoice.amount_due) == (
        Decimal("400.00"), Decimal("400.00"), Decimal("80.00"), 0)
    assert invoice.prices_include_tax is False and invoice.tax_rate == Decimal("20")


def test_paypal_is_asked_for_price_plus_tax_and_the_invoice_total_is_what_was_paid(client, owner, paypal_keys):
    tax_settings(owner)
    package = make_package(owner, price=Decimal("400.00"), currency="USD", payment_medium="paypal")
    order = place(package)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v2/checkout/orders", json={
            "id": "5O190127TN364715T", "status": "PAYER_ACTION_REQUIRED",
            "links": [{"href": "https://www.sandbox.paypal.com/checkoutnow?token=5O1", "rel": "payer-action"}],
        })
        client.post(f"/payments/checkout/{order.token}/")
        sent = [call for call in rsps.calls if call.request.url.endswith("/v2/checkout/orders")][0]
        assert json.loads(sent.request.body)["purchase_units"][0]["amount"] == {"currency_code": "USD",
                                                                               "value": "480.00"}
        payment = Payment.objects.get(order=order)
        rsps.post(f"{PAYPAL_API}/v2/checkout/orders/5O190127TN364715T/capture",
                  json=paypal_order(payment, paypal_capture(payment, value="480.00")))
        client.get(f"/payments/return/{payment.token}/?token=5O190127TN364715T&PayerID=X")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and not payment.flagged
    invoice = _invoice_of(payment)
    assert invoice.total == invoice.amount_paid == payment.amount == Decimal("480.00")
    assert invoice.tax == Decimal("80.00")


def test_the_test_provider_charges_price_plus_tax_and_the_invoice_matches(client, package, test_provider):
    order = place(package)
    page = client.get(f"/payments/checkout/{order.token}/").content.decode()
    assert "VAT 20 %" in page and "80.00 USD" in page and "Pay 480.00 USD with" in page
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    assert payment.provider == Provider.TEST and payment.amount == Decimal("480.00")
    assert ">Pay 480.00 USD</button>" in client.get(f"/payments/test/{payment.token}/").content.decode()
    client.post(f"/payments/test/{payment.token}/", {"action": "pay"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and not payment.flagged
    invoice = _invoice_of(payment)
    assert invoice.total == invoice.amount_paid == Decimal("480.00") and invoice.tax == Decimal("80.00")


def test_a_promo_code_comes_off_before_the_tax(client, owner, package, test_provider):
    PromoCode.objects.create(owner=owner, code="HALF", kind="percent", value=Decimal("50"))
    applied = client.post(f"/{owner.slug}/packages/{package.slug}/",
                          {"promo_code": "HALF", "apply_promo": "1"}).content.decode()
    assert "New total: <strong>200.00 USD</strong>" in applied
    assert "plus 20 % VAT: 40.00 USD, total 240.00 USD" in applied
    assert "Continue to payment · 240.00 USD" in applied
    order = place(package, promo_code="HALF")
    assert (order.price, order.discount, order.tax_added, order.total_price) == (
        Decimal("200.00"), Decimal("200.00"), Decimal("40.00"), Decimal("240.00"))
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    client.post(f"/payments/test/{payment.token}/", {"action": "pay"})
    invoice = _invoice_of(payment)
    assert (invoice.subtotal, invoice.discount, invoice.net, invoice.tax, invoice.total) == (
        Decimal("400.00"), Decimal("200.00"), Decimal("200.00"), Decimal("40.00"), Decimal("240.00"))
    assert invoice.amount_paid == invoice.total


def test_a_paid_session_is_charged_price_plus_tax_through_stripe(client, owner, stripe_keys):
    tax_settings(owner)
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Coaching session", slug="coaching", price=Decimal("90"),
                                     payment_medium="stripe")
    with time_machine.travel(NOW, tick=False):
        held = booking_hold(meeting_type=meeting_type, start=NOW.replace(hour=15), client_name="Cleo Client",
                            client_email="cleo@example.com")
        page = client.get(f"/payments/session/{held.token}/").content.decode()
        assert "Tax 20 %" in page and "18.00 USD" in page and "108.00 USD" in page
        with responses.RequestsMock() as rsps:
            rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={
                "id": "cs_session_1", "object": "checkout.session",
                "url": "https://checkout.stripe.com/c/pay/cs_session_1"})
            client.post(f"/payments/session/{held.token}/")
            assert _stripe_form(rsps.calls[0])["line_items[0][price_data][unit_amount]"] == "10800"
            payment = Payment.objects.get(booking=held)
            mock_stripe_session(rsps, stripe_session(payment, amount_total=10800))
            post_stripe_event(client, stripe_event("evt_s", "checkout.session.completed", {"id": "cs_session_1"}))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and not payment.flagged
    invoice = _invoice_of(payment)
    assert invoice.total == invoice.amount_paid == payment.amount == Decimal("108.00")
    assert (invoice.net, invoice.tax) == (Decimal("90.00"), Decimal("18.00"))


def test_an_edit_of_the_tax_after_ordering_changes_nothing_on_the_order(client, owner, package, test_provider):
    order = place(package)
    tax_settings(owner, rate="5", included=True, name="GST")
    order.refresh_from_db()
    assert (order.tax_rate, order.tax_name, order.prices_include_tax, order.tax_added, order.total_price) == (
        Decimal("20"), "VAT", False, Decimal("80.00"), Decimal("480.00"))
    assert "plus 20 % VAT: 80.00 USD, total 480.00 USD" in client.get(f"/orders/{order.token}/").content.decode()
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    client.post(f"/payments/test/{payment.token}/", {"action": "pay"})
    invoice = _invoice_of(payment)
    assert (invoice.tax_rate, invoice.tax, invoice.total, invoice.amount_paid) == (
        Decimal("20"), Decimal("80.00"), Decimal("480.00"), Decimal("480.00"))
    # A new order follows the new settings: tax inside the price.
    assert place(package).total_price == Decimal("400.00")


def test_prices_that_include_tax_are_charged_as_they_are(client, owner, test_provider):
    tax_settings(owner, included=True)
    package = make_package(owner, price=Decimal("400.00"), currency="USD")
    page = client.get(f"/{owner.slug}/packages/{package.slug}/").content.decode()
    assert "plus 20 %" not in page and "Continue to payment · 400.00 USD" in page
    order = place(package)
    assert (order.tax_added, order.total_price) == (0, Decimal("400.00"))
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    client.post(f"/payments/test/{payment.token}/", {"action": "pay"})
    invoice = _invoice_of(payment)
    assert (invoice.net, invoice.tax, invoice.total, invoice.amount_paid) == (
        Decimal("333.33"), Decimal("66.67"), Decimal("400.00"), Decimal("400.00"))
    assert invoice.prices_include_tax


def test_the_package_page_says_the_tax_and_the_total_before_ordering(client, owner, package):
    page = client.get(f"/{owner.slug}/packages/{package.slug}/").content.decode()
    assert "plus 20 % VAT: 80.00 USD, total 480.00 USD" in page
    assert "Continue to payment · 480.00 USD" in page
    # An edit of the settings shows at once (the cached page follows the owner's content version).
    tax_settings(owner, rate="10")
    assert "plus 10 % VAT: 40.00 USD, total 440.00 USD" in client.get(
        f"/{owner.slug}/packages/{package.slug}/").content.decode()


def test_an_order_paid_outside_the_app_records_price_plus_tax(owner, package):
    order = order_issue(owner=owner, package=package, client_name="Cleo Client", client_email="cleo@example.com",
                        mode=IssueMode.PAID_OUTSIDE)
    payment = Payment.objects.get(order=order)
    assert payment.amount == Decimal("480.00")
    invoice = _invoice_of(payment)
    assert (invoice.net, invoice.tax, invoice.total, invoice.amount_paid) == (
        Decimal("400.00"), Decimal("80.00"), Decimal("480.00"), Decimal("480.00"))


def test_cash_taken_below_the_total_carries_its_part_of_the_tax(owner, package):
    order = order_issue(owner=owner, package=package, client_name="Cleo Client", client_email="cleo@example.com",
                        mode=IssueMode.PAID_OUTSIDE, amount_taken=Decimal("360.00"))
    invoice = _invoice_of(Payment.objects.get(order=order))
    assert (invoice.net, invoice.tax, invoice.total, invoice.amount_paid) == (
        Decimal("300.00"), Decimal("60.00"), Decimal("360.00"), Decimal("360.00"))
    assert invoice.subtotal - invoice.discount == invoice.net


def test_the_receipt_email_shows_the_tax_and_the_total_paid(client, package, test_provider, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    order = place(package)
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/payments/test/{payment.token}/", {"action": "pay"})
    receipt = next(email for email in mailoutbox if email.to == ["cleo@example.com"])
    assert "VAT 20 %: 80.00 USD" in receipt.body and "Amount: 480.00 USD" in receipt.body
    assert "VAT 20 %" in receipt.alternatives[0][0] and "480.00 USD" in receipt.alternatives[0][0]
