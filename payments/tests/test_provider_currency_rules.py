"""What Stripe and PayPal take, said where the owner sets a price and again where the client pays.

Stripe charges HUF and TWD in whole units only, a three-decimal currency (KWD, BHD …) in steps of
0.010, and at most eight digits of its minor units in one payment (999,999.99 USD); PayPal takes
HUF, TWD and JPY without decimals and not every currency. A price Stripe or PayPal would refuse is
refused beside the field when the owner saves it; a total that still breaks a rule (tax added on
top later) is refused at checkout with a message that says why, in the page's language, without
asking the provider and without a server error."""
from decimal import Decimal

import pytest
import responses
from django.urls import reverse
from django.utils import translation

from invoices.services import invoice_settings_save
from leadmonk import money
from orders.models import OrderStatus
from orders.services import order_create
from packages.models import Package
from payments.models import Payment
from payments.tests.helpers import PAYPAL_API, PAYPAL_KEYS, STRIPE_API, STRIPE_KEYS, mock_paypal_token
from payments.tests.test_paid_sessions import form_data
from scheduling.models import MeetingType
from tests import make_order, make_package

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys(settings):
    for name, value in {**STRIPE_KEYS, **PAYPAL_KEYS}.items():
        setattr(settings, name, value)
    settings.TEST_PAYMENTS_ENABLED = False


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def _save_price(owner_client, package, price, currency, medium="stripe"):
    return owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                             {"price": price, "currency": currency, "payment_medium": medium, "terms": ""})


# -- At price entry: a package's Payment Preferences ------------------------------------------

@pytest.mark.parametrize(("price", "currency", "medium", "message"), [
    ("1500.50", "HUF", "stripe", "Stripe takes whole amounts of HUF only: enter a price without decimals."),
    ("990.50", "TWD", "stripe", "Stripe takes whole amounts of TWD only: enter a price without decimals."),
    ("12.345", "KWD", "stripe", "Stripe takes KWD in steps of 0.010 KWD only (the last decimal must be 0): "
                                "enter a price such as 12.340 KWD."),
    ("40.005", "BHD", "stripe", "Stripe takes BHD in steps of 0.010 BHD only"),
    ("1000000", "USD", "stripe", "Stripe takes at most 999,999.99 USD in one payment: enter a lower price."),
    ("100000000", "JPY", "stripe", "Stripe takes at most 99,999,999 JPY in one payment: enter a lower price."),
    ("1000000", "ISK", "stripe", "Stripe takes at most 999,999 ISK in one payment: enter a lower price."),
    ("1000000", "HUF", "stripe", "Stripe takes at most 999,999.00 HUF in one payment: enter a lower price."),
    ("15000.50", "HUF", "paypal", "PayPal takes whole amounts of HUF only: enter a price without decimals."),
    ("40.000", "KWD", "paypal", "PayPal does not take payments in KWD. Choose Stripe, or another currency."),
])
def test_a_package_price_the_provider_would_refuse_is_refused_beside_the_field(owner_client, owner, price, currency,
                                                                            medium, message):
    package = make_package(owner, price=Decimal("100.00"), currency="USD")

    response = _save_price(owner_client, package, price, currency, medium)

    assert response.status_code == 200
    assert message in response.content.decode()
    package.refresh_from_db()
    assert (package.price, package.currency) == (Decimal("100.00"), "USD")


@pytest.mark.parametrize(("price", "currency", "medium"), [
    ("1500", "HUF", "stripe"), ("12.340", "KWD", "stripe"), ("999999.99", "USD", "stripe"),
    ("99999999", "JPY", "stripe"), ("999999", "ISK", "stripe"), ("15000", "HUF", "paypal"),
    ("1500000", "USD", "paypal"),
])
def test_a_price_the_provider_takes_is_saved(owner_client, owner, price, currency, medium):
    package = make_package(owner)

    response = _save_price(owner_client, package, price, currency, medium)

    assert response.status_code == 302
    package.refresh_from_db()
    assert (package.price, package.currency, package.payment_medium) == (Decimal(price), currency, medium)


# -- At price entry: a paid session's price ----------------------------------------------------

@pytest.mark.parametrize(("price", "currency", "message"), [
    ("1500.50", "HUF", "Stripe takes whole amounts of HUF only: enter a price without decimals."),
    ("12.345", "KWD", "Stripe takes KWD in steps of 0.010 KWD only"),
])
def test_a_session_price_stripe_would_refuse_is_refused_beside_the_field(owner_client, owner, price, currency,
                                                                        message):
    response = owner_client.post("/dashboard/meeting-types/new/",
                                 form_data(price=price, currency=currency, payment_medium="stripe"))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MeetingType.objects.filter(owner=owner).exists()


# -- At checkout: a total the provider cannot take ---------------------------------------------

def _stripe_refused(rsps) -> None:
    """What Stripe answers a charge it does not take (never reached when the rules hold)."""
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", status=400, json={"error": {
        "type": "invalid_request_error", "code": "amount_too_large", "param": "line_items[0][price_data][unit_amount]",
        "message": "Amount must be no more than $999,999.99"}})


def _excluding_tax(owner, rate="20") -> None:
    invoice_settings_save(owner=owner, business_name="Casey Coaching", address="", tax_id="", tax_rate=Decimal(rate),
                          tax_name="VAT", prices_include_tax=False, number_prefix="INV-", footer="")


def test_a_pack_whose_total_with_tax_is_above_stripes_most_is_refused_clearly_at_checkout(client, owner, rsps):
    _excluding_tax(owner)
    package = make_package(owner, price=Decimal("900000.00"), currency="USD")  # 1,080,000.00 with tax
    order = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                         terms_accepted=True)
    _stripe_refused(rsps)

    response = client.post(f"/payments/checkout/{order.token}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert ("1,080,000.00 USD is more than Stripe can take in one payment, so it cannot be paid here. "
            "Nothing was charged; please contact your host.") in page
    assert not [call for call in rsps.calls if "/v1/checkout/sessions" in call.request.url]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_the_checkout_refusal_is_in_the_clients_language(client, owner, rsps):
    owner.page_language = "de"
    owner.save(update_fields=["page_language"])
    order = make_order(owner, price="1000000.00", currency="USD", medium="stripe")
    _stripe_refused(rsps)

    page = client.post(f"/payments/checkout/{order.token}/").content.decode()

    with translation.override("de"):
        expected = str(money.format_money(Decimal("1000000.00"), "USD"))
    assert f"{expected} sind mehr, als Stripe in einer Zahlung annimmt" in page
    assert not rsps.calls


def test_a_total_in_hundredths_of_a_forint_is_not_sent_to_stripe(client, owner, rsps):
    order = make_order(owner, price="15000.50", currency="HUF", medium="stripe")  # saved before the rule
    _stripe_refused(rsps)

    page = client.post(f"/payments/checkout/{order.token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert ("Stripe cannot take a payment of 15,000.50 HUF, so it cannot be paid here. "
            "Nothing was charged; please contact your host.") in page
    assert not rsps.calls


def test_paypal_is_not_asked_for_a_currency_it_does_not_take(client, owner, rsps):
    order = make_order(owner, price="40.000", currency="KWD", medium="paypal")  # saved before the rule
    mock_paypal_token(rsps)
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders", status=422, json={
        "name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "CURRENCY_NOT_SUPPORTED"}]})

    page = client.post(f"/payments/checkout/{order.token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "PayPal cannot take a payment of 40.000 KWD, so it cannot be paid here." in page
    assert "Please try again in a moment" not in page
    assert not [call for call in rsps.calls if "/v2/checkout/orders" in call.request.url]


@pytest.mark.parametrize("medium", ["stripe", "paypal"])
def test_tax_on_top_of_a_forint_price_is_whole_forints_so_the_total_can_be_paid(client, owner, rsps, medium):
    """27% of 15,001 HUF is 4,050.27: charged as such, Stripe and PayPal would both refuse the total."""
    _excluding_tax(owner, rate="27")
    package = make_package(owner, price=Decimal("15001"), currency="HUF", payment_medium=medium)
    order = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                         terms_accepted=True)
    payment = Payment.objects.create(order=order, provider=medium, amount=order.total_price, currency="HUF")

    assert order.tax_added == Decimal("4050")
    assert payment.amount == Decimal("19051")
    assert money.is_chargeable(medium, payment.amount, "HUF")


def test_the_package_stays_as_it_was_when_a_price_is_refused(owner_client, owner):
    package = make_package(owner, price=Decimal("100.00"), currency="USD")
    _save_price(owner_client, package, "1500.50", "HUF")
    assert Package.objects.get(pk=package.pk).currency == "USD"


@pytest.mark.parametrize(("price", "currency", "first", "last"), [
    ("15001", "HUF", "7500", "7501"),        # 7,500.50 forints: neither Stripe nor PayPal takes it
    ("10.010", "KWD", "5.000", "5.010"),     # 5.005: Stripe takes KWD in steps of 0.010
    ("100.01", "USD", "50.00", "50.01"),
])
def test_a_payment_plan_splits_its_total_into_amounts_the_provider_takes(owner, price, currency, first, last):
    from packages.payment_plans import instalment_amounts

    package = make_package(owner, price=Decimal(price), currency=currency, instalment_count=2)
    order = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                         terms_accepted=True)

    assert order.first_charge == Decimal(first)
    assert instalment_amounts(order.total_price, 2, currency) == [Decimal(first), Decimal(last)]
    assert all(money.is_chargeable("stripe", amount, currency) for amount in (Decimal(first), Decimal(last)))


def test_a_plan_whose_payments_would_be_less_than_a_forint_is_refused_beside_the_count(owner_client, owner):
    package = make_package(owner)

    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]), {
        "price": "3", "currency": "HUF", "payment_medium": "stripe", "terms": "", "instalment_count": "4",
        "instalment_interval": "month", "instalment_access": "all"})

    assert response.status_code == 200
    assert "each would be less than 1.00 HUF" in response.content.decode()


# -- A part refund: the same steps ---------------------------------------------------------------

@pytest.mark.parametrize(("medium", "reference", "amount", "currency", "message"), [
    ("paypal", "CAP123", "100.50", "HUF", "PayPal takes whole amounts of HUF only: enter an amount without decimals."),
    ("stripe", "pi_test_1", "100.50", "HUF", "Stripe takes whole amounts of HUF only: enter an amount without decimals."),
    ("stripe", "pi_test_1", "1.005", "KWD", "Stripe takes KWD in steps of 0.010 KWD only (the last decimal must be 0): "
                                            "enter an amount such as 12.340 KWD."),
])
def test_a_part_refund_the_provider_would_refuse_is_refused_beside_the_amount(owner_client, owner, rsps, medium,
                                                                             reference, amount, currency, message):
    from payments.models import PaymentStatus

    order = make_order(owner, price="15000" if currency == "HUF" else "40.000", currency=currency, medium=medium,
                       status=OrderStatus.ACTIVE)
    payment = Payment.objects.create(order=order, provider=medium, status=PaymentStatus.CONFIRMED,
                                     amount=order.price, currency=currency, provider_reference="ref",
                                     provider_payment_id=reference)
    mock_paypal_token(rsps)
    rsps.post(f"{PAYPAL_API}/v2/payments/captures/CAP123/refund", status=422, json={
        "name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "DECIMAL_PRECISION"}]})
    rsps.post(f"{STRIPE_API}/v1/refunds", status=400, json={"error": {"type": "invalid_request_error",
                                                                      "message": "Invalid amount."}})

    page = owner_client.post(f"/dashboard/payments/{payment.pk}/refund/", {
        "amount": amount, "reason": "One session not taken", "key": "k" * 43}).content.decode()

    assert message in page
    assert not [call for call in rsps.calls if "refund" in call.request.url]
    payment.refresh_from_db()
    assert payment.refunded_amount == 0
