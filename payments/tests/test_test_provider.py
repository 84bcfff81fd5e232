"""The test provider: the whole flow without keys, through the same services."""
import pytest

from orders.models import OrderStatus
from payments.models import Payment, PaymentStatus, Provider
from tests import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_keys(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def test_without_keys_checkout_offers_the_labelled_test_checkout(client, owner):
    order = make_order(owner, medium="stripe")
    page = client.get(f"/payments/checkout/{order.token}/").content.decode()
    assert "<h1>Pay for" in page
    assert "test mode" in page and "100.00 USD" in page
    response = client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    assert payment.provider == Provider.TEST
    assert response["Location"] == f"/payments/test/{payment.token}/"
    test_page = client.get(response["Location"]).content.decode()
    assert "Test checkout — no real money" in test_page
    assert ">Pay 100.00 USD</button>" in test_page and ">Fail</button>" in test_page


def test_pay_confirms_the_payment_and_activates_the_order(client, owner):
    order = make_order(owner)
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    response = client.post(f"/payments/test/{payment.token}/", {"action": "pay"}, follow=True)
    assert response.redirect_chain[0][0] == f"/payments/return/{payment.token}/"
    assert response.redirect_chain[-1][0] == f"/orders/{order.token}/"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert payment.status == PaymentStatus.CONFIRMED


def test_fail_fails_the_payment_and_the_client_can_try_again(client, owner):
    order = make_order(owner)
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    response = client.post(f"/payments/test/{payment.token}/", {"action": "fail"}, follow=True)
    assert "The test payment failed" in response.content.decode()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert order.status == OrderStatus.PENDING_PAYMENT
    client.post(f"/payments/checkout/{order.token}/")
    assert Payment.objects.filter(order=order).count() == 2


def test_the_test_buttons_need_csrf(owner):
    from django.test import Client

    order = make_order(owner)
    csrf_client = Client(enforce_csrf_checks=True)
    Client().post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    assert csrf_client.post(f"/payments/test/{payment.token}/", {"action": "pay"}).status_code == 403
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


def test_the_test_checkout_is_off_when_test_payments_are_disabled(client, owner, settings):
    order = make_order(owner)
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    settings.TEST_PAYMENTS_ENABLED = False
    assert client.get(f"/payments/test/{payment.token}/").status_code == 404
    assert client.post(f"/payments/test/{payment.token}/", {"action": "pay"}).status_code == 404
    page = client.get(f"/payments/checkout/{order.token}/").content.decode()
    assert "Online payment is not set up for this package yet" in page


def test_an_unknown_action_changes_nothing(client, owner):
    order = make_order(owner)
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    response = client.post(f"/payments/test/{payment.token}/", {"action": "steal"})
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


def test_a_paid_order_checkout_goes_to_the_order_page(client, owner):
    order = make_order(owner, status=OrderStatus.ACTIVE)
    response = client.get(f"/payments/checkout/{order.token}/")
    assert response["Location"] == f"/orders/{order.token}/"


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED])
def test_a_closed_order_cannot_be_paid(client, owner, status):
    order = make_order(owner, status=status)
    page = client.get(f"/payments/checkout/{order.token}/").content.decode()
    assert "can no longer be paid" in page
    client.post(f"/payments/checkout/{order.token}/")
    assert not Payment.objects.filter(order=order).exists()
