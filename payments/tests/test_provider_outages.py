"""A payment provider that cannot be reached (connection refused, DNS, timeout) gives the client or
the owner a clear message and changes nothing; a webhook answers 503 so the provider retries.
Every outbound call site is covered, with `responses` raising the network error."""
import json

import pytest
import requests
import responses

from orders.models import OrderStatus
from payments.models import Payment, PaymentStatus, Provider
from payments.tests.helpers import (
    PAYPAL_API,
    PAYPAL_KEYS,
    PAYPAL_SIGNATURE_HEADERS,
    STRIPE_API,
    STRIPE_KEYS,
    make_payment,
    mock_paypal_token,
    post_stripe_event,
    stripe_event,
)
from tests import make_order

pytestmark = pytest.mark.django_db

NETWORK_FAILURES = [
    pytest.param(requests.ConnectionError("Connection refused"), id="connection-refused"),
    pytest.param(requests.Timeout("Read timed out"), id="timeout"),
]


@pytest.fixture(autouse=True)
def keys(settings):
    for name, value in {**STRIPE_KEYS, **PAYPAL_KEYS}.items():
        setattr(settings, name, value)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def _page(response) -> str:
    assert response.status_code < 500
    return response.content.decode()


# -- Stripe ---------------------------------------------------------------------------------

@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_stripe_unreachable_at_checkout_says_so_and_keeps_the_order_payable(client, owner, rsps, failure):
    order = make_order(owner, medium="stripe")
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", body=failure)

    page = _page(client.post(f"/payments/checkout/{order.token}/"))

    assert "Stripe could not start the payment. Please try again in a moment." in page
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_stripe_unreachable_on_the_return_page_says_it_will_check_again(client, owner, rsps, failure):
    payment = make_payment(make_order(owner, medium="stripe"))
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/{payment.provider_reference}", body=failure)

    page = _page(client.get(f"/payments/return/{payment.token}/"))

    assert "We could not reach Stripe to confirm your payment yet" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_stripe_unreachable_at_refund_tells_the_owner_and_refunds_nothing(owner_client, owner, rsps, failure):
    order = make_order(owner, status=OrderStatus.ACTIVE)
    payment = make_payment(order, status=PaymentStatus.CONFIRMED, provider_payment_id="pi_test_1")
    rsps.post(f"{STRIPE_API}/v1/refunds", body=failure)

    page = _page(owner_client.post(f"/dashboard/payments/{payment.pk}/refund/", follow=True))

    assert "Stripe could not refund this payment" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_stripe_unreachable_during_a_webhook_answers_503_for_a_retry(client, owner, rsps, failure):
    payment = make_payment(make_order(owner, medium="stripe"))
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/{payment.provider_reference}", body=failure)
    payload = stripe_event("evt_outage", "checkout.session.completed", {"id": payment.provider_reference})

    response = post_stripe_event(client, payload)

    assert response.status_code == 503
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_stripe_unreachable_at_connect_tells_the_owner(owner_client, rsps, failure):
    rsps.post(f"{STRIPE_API}/v1/accounts", body=failure)

    page = _page(owner_client.post("/dashboard/payments/connect/stripe/", follow=True))

    assert "Stripe could not start the connection. Please try again." in page


# -- PayPal ---------------------------------------------------------------------------------

def _paypal_payment(owner, **fields) -> Payment:
    return make_payment(make_order(owner, medium="paypal"), provider=Provider.PAYPAL,
                        reference="5O190127TN364715T", **fields)


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_paypal_unreachable_at_checkout_says_so_and_keeps_the_order_payable(client, owner, rsps, failure):
    order = make_order(owner, medium="paypal")
    mock_paypal_token(rsps)
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders", body=failure)

    page = _page(client.post(f"/payments/checkout/{order.token}/"))

    assert "We could not reach PayPal. Nothing was charged; please try again in a moment." in page
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_paypal_login_unreachable_at_checkout_says_so(client, owner, rsps, failure):
    order = make_order(owner, medium="paypal")
    rsps.post(f"{PAYPAL_API}/v1/oauth2/token", body=failure)
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders", body=failure)

    page = _page(client.post(f"/payments/checkout/{order.token}/"))

    assert "We could not reach PayPal" in page


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_paypal_unreachable_on_the_return_page_says_it_will_check_again(client, owner, rsps, failure):
    payment = _paypal_payment(owner)
    mock_paypal_token(rsps)
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders/5O190127TN364715T/capture", body=failure)
    rsps.get(f"{PAYPAL_API}/v2/checkout/orders/5O190127TN364715T", body=failure)

    page = _page(client.get(f"/payments/return/{payment.token}/?token=5O190127TN364715T&PayerID=X"))

    assert "We could not reach PayPal to confirm your payment yet" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
def test_paypal_unreachable_at_refund_tells_the_owner_and_refunds_nothing(owner_client, owner, rsps, failure):
    payment = _paypal_payment(owner, status=PaymentStatus.CONFIRMED, provider_payment_id="CAP123")
    mock_paypal_token(rsps)
    rsps.post(f"{PAYPAL_API}/v2/payments/captures/CAP123/refund", body=failure)

    page = _page(owner_client.post(f"/dashboard/payments/{payment.pk}/refund/", follow=True))

    assert "We could not reach PayPal, so nothing was refunded" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
@pytest.mark.parametrize("unreachable", ["verify", "capture"])
def test_paypal_unreachable_during_a_webhook_answers_503_for_a_retry(client, owner, rsps, failure, unreachable):
    payment = _paypal_payment(owner)
    mock_paypal_token(rsps)
    verify = f"{PAYPAL_API}/v1/notifications/verify-webhook-signature"
    if unreachable == "verify":
        rsps.post(verify, body=failure)
    else:
        rsps.post(verify, json={"verification_status": "SUCCESS"})
        rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", body=failure)
    event = {"id": "WH-OUTAGE", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"id": "CAP123"}}

    response = client.post("/payments/paypal/webhook/", data=json.dumps(event), content_type="application/json",
                           **PAYPAL_SIGNATURE_HEADERS)

    assert response.status_code == 503
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


# PayPal's login (the OAuth token every call asks for first) answering an error: the SDK raises
# neither ApiException nor a network error but apimatic's AuthValidationException, for PayPal being
# down (5xx) as for credentials it refuses (401).
PAYPAL_LOGIN_FAILURES = [
    pytest.param({"status": 503, "body": "Service Unavailable"}, id="paypal-down"),
    pytest.param({"status": 401, "json": {"error": "invalid_client"}}, id="credentials-refused"),
]


@pytest.mark.parametrize("login", PAYPAL_LOGIN_FAILURES)
def test_paypal_login_failing_at_checkout_says_so_and_keeps_the_order_payable(client, owner, rsps, login):
    order = make_order(owner, medium="paypal")
    rsps.post(f"{PAYPAL_API}/v1/oauth2/token", **login)

    page = _page(client.post(f"/payments/checkout/{order.token}/"))

    assert "We could not reach PayPal. Nothing was charged; please try again in a moment." in page
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("login", PAYPAL_LOGIN_FAILURES)
def test_paypal_login_failing_on_the_return_page_says_it_will_check_again(client, owner, rsps, login):
    payment = _paypal_payment(owner)
    rsps.post(f"{PAYPAL_API}/v1/oauth2/token", **login)

    page = _page(client.get(f"/payments/return/{payment.token}/?token=5O190127TN364715T&PayerID=X"))

    assert "We could not reach PayPal to confirm your payment yet" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


@pytest.mark.parametrize("login", PAYPAL_LOGIN_FAILURES)
def test_paypal_login_failing_at_refund_tells_the_owner_and_refunds_nothing(owner_client, owner, rsps, login):
    payment = _paypal_payment(owner, status=PaymentStatus.CONFIRMED, provider_payment_id="CAP123")
    rsps.post(f"{PAYPAL_API}/v1/oauth2/token", **login)

    page = _page(owner_client.post(f"/dashboard/payments/{payment.pk}/refund/", follow=True))

    assert "We could not reach PayPal, so nothing was refunded" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED


@pytest.mark.parametrize("login", PAYPAL_LOGIN_FAILURES)
def test_paypal_login_failing_during_a_webhook_answers_503_for_a_retry(client, owner, rsps, login):
    payment = _paypal_payment(owner)
    rsps.post(f"{PAYPAL_API}/v1/oauth2/token", **login)
    event = {"id": "WH-LOGIN", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"id": "CAP123"}}

    response = client.post("/payments/paypal/webhook/", data=json.dumps(event), content_type="application/json",
                           **PAYPAL_SIGNATURE_HEADERS)

    assert response.status_code == 503
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


# -- The client's language -------------------------------------------------------------------

@pytest.mark.parametrize(("medium", "language", "said"), [
    ("stripe", "de", "Stripe konnte die Zahlung nicht starten. Bitte versuchen Sie es gleich noch einmal."),
    ("stripe", "es", "Stripe no ha podido iniciar el pago. Inténtelo de nuevo en un momento."),
    ("paypal", "de", "Wir konnten PayPal nicht erreichen. Es wurde nichts abgebucht; bitte versuchen Sie es gleich "
                     "noch einmal."),
    ("paypal", "es", "No hemos podido contactar con PayPal. No se ha cobrado nada; inténtelo de nuevo en un "
                     "momento."),
])
def test_a_provider_that_fails_at_checkout_is_explained_in_the_pages_language(client, owner, rsps, medium, language,
                                                                           said):
    owner.page_language = language
    owner.save(update_fields=["page_language"])
    order = make_order(owner, medium=medium)
    if medium == "stripe":
        rsps.post(f"{STRIPE_API}/v1/checkout/sessions", status=500, json={"error": {"message": "boom"}})
    else:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v2/checkout/orders", body=requests.ConnectionError("Connection refused"))

    page = _page(client.post(f"/payments/checkout/{order.token}/"))

    assert said in page
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT

