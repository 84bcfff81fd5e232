"""PayPal: Orders v2 through paypal-server-sdk, capture on return, verified webhooks."""
import json

import pytest
import responses

from orders.models import OrderStatus
from payments.models import Payment, PaymentConnection, PaymentStatus, Provider, WebhookEvent
from payments.tests.helpers import (
    PAYPAL_API,
    PAYPAL_KEYS,
    PAYPAL_SIGNATURE_HEADERS,
    make_payment,
    mock_paypal_token,
    paypal_capture,
    paypal_order,
)
from tests import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paypal_keys(settings):
    for name, value in PAYPAL_KEYS.items():
        setattr(settings, name, value)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mock_paypal_token(mocked)
        yield mocked


def _calls(rsps, path: str) -> list:
    return [call for call in rsps.calls if call.request.url.split("?")[0].endswith(path)]


def _paypal_payment(order, **fields) -> Payment:
    return make_payment(order, provider=Provider.PAYPAL, reference="5O190127TN364715T", **fields)


def test_checkout_creates_a_paypal_order_with_the_owner_as_payee(client, owner, rsps):
    PaymentConnection.objects.create(owner=owner, provider="paypal", email="coach@business.example", is_active=True)
    order = make_order(owner, price="49.90", currency="USD", medium="paypal")
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders", json={
        "id": "5O190127TN364715T", "status": "PAYER_ACTION_REQUIRED",
        "links": [{"href": "https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T", "rel": "payer-action", "method": "GET"}],
    })
    response = client.post(f"/payments/checkout/{order.token}/")
    assert response.status_code == 302
    assert response["Location"] == "https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T"
    payment = Payment.objects.get(order=order)
    sent = _calls(rsps, "/v2/checkout/orders")[0].request
    body = json.loads(sent.body)
    assert sent.headers["PayPal-Request-Id"] == f"checkout-{order.pk}-{payment.pk}"
    assert sent.headers["Authorization"] == "Bearer A21-test-token"
    assert body["intent"] == "CAPTURE"
    unit = body["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "USD", "value": "49.90"}
    assert unit["payee"] == {"email_address": "coach@business.example"}
    assert unit["custom_id"] == str(payment.pk)
    assert body["payment_source"]["paypal"]["experience_context"]["return_url"].endswith(f"/payments/return/{payment.token}/")
    assert payment.provider_reference == "5O190127TN364715T"


def test_checkout_sends_yen_without_decimals(client, owner, rsps):
    order = make_order(owner, price="1500", currency="JPY", medium="paypal")
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders", json={
        "id": "JPY1", "status": "PAYER_ACTION_REQUIRED",
        "links": [{"href": "https://www.sandbox.paypal.com/checkoutnow?token=JPY1", "rel": "payer-action"}],
    })
    client.post(f"/payments/checkout/{order.token}/")
    body = json.loads(_calls(rsps, "/v2/checkout/orders")[0].request.body)
    assert body["purchase_units"][0]["amount"] == {"currency_code": "JPY", "value": "1500"}
    assert "payee" not in body["purchase_units"][0]  # not connected: the platform account


@pytest.mark.parametrize("currency", ["HUF", "TWD"])
def test_checkout_sends_forints_and_taiwan_dollars_without_decimals(client, owner, rsps, currency):
    # Two decimals in ISO 4217, none at PayPal: "15000.00" is refused there.
    order = make_order(owner, price="15000", currency=currency, medium="paypal")
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders", json={
        "id": "HUF1", "status": "PAYER_ACTION_REQUIRED",
        "links": [{"href": "https://www.sandbox.paypal.com/checkoutnow?token=HUF1", "rel": "payer-action"}],
    })
    client.post(f"/payments/checkout/{order.token}/")
    body = json.loads(_calls(rsps, "/v2/checkout/orders")[0].request.body)
    assert body["purchase_units"][0]["amount"] == {"currency_code": currency, "value": "15000"}


def test_the_return_captures_and_a_completed_capture_activates_the_order(client, owner, rsps):
    order = make_order(owner, medium="paypal")
    payment = _paypal_payment(order)
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders/5O190127TN364715T/capture",
              json=paypal_order(payment, paypal_capture(payment, status="COMPLETED")))
    response = client.get(f"/payments/return/{payment.token}/?token=5O190127TN364715T&PayerID=X")
    assert response.status_code == 302
    capture_call = _calls(rsps, "/capture")[0].request
    assert capture_call.headers["PayPal-Request-Id"] == f"capture-{payment.pk}"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and payment.provider_payment_id == "CAP123"
    assert order.status == OrderStatus.ACTIVE


def test_a_pending_capture_waits_and_the_page_says_processing(client, owner, rsps):
    order = make_order(owner, medium="paypal")
    payment = _paypal_payment(order)
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders/5O190127TN364715T/capture",
              json=paypal_order(payment, paypal_capture(payment, status="PENDING")))
    response = client.get(f"/payments/return/{payment.token}/")
    assert response.status_code == 200
    assert "Processing your payment" in response.content.decode()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert order.status == OrderStatus.PENDING_PAYMENT


def _post_webhook(client, event: dict, **headers):
    return client.post("/payments/paypal/webhook/", data=json.dumps(event), content_type="application/json",
                       **{**PAYPAL_SIGNATURE_HEADERS, **headers})


def _capture_event(event_id: str, event_type: str = "PAYMENT.CAPTURE.COMPLETED", capture_id: str = "CAP123") -> dict:
    return {"id": event_id, "event_type": event_type, "resource_type": "capture",
            "resource": {"id": capture_id, "status": "COMPLETED"}}


def test_a_completed_capture_webhook_after_pending_activates_the_order(client, owner, rsps):
    order = make_order(owner, medium="paypal")
    payment = _paypal_payment(order, status=PaymentStatus.PENDING, provider_payment_id="CAP123")
    rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
    rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", json=paypal_capture(payment, status="COMPLETED"))
    response = _post_webhook(client, _capture_event("WH-1"))
    assert response.status_code == 200
    verify = json.loads(_calls(rsps, "/verify-webhook-signature")[0].request.body)
    assert verify["webhook_id"] == "WH123"
    assert verify["transmission_sig"] == "c2lnbmF0dXJl"
    assert verify["webhook_event"]["id"] == "WH-1"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE and payment.status == PaymentStatus.CONFIRMED
    assert WebhookEvent.objects.filter(provider="paypal", event_id="WH-1").exists()


def test_a_webhook_with_a_failed_verification_changes_nothing(client, owner, rsps):
    order = make_order(owner, medium="paypal")
    _paypal_payment(order, status=PaymentStatus.PENDING, provider_payment_id="CAP123")
    rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "FAILURE"})
    response = _post_webhook(client, _capture_event("WH-bad"))
    assert response.status_code == 400
    assert not _calls(rsps, "/captures/CAP123")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not WebhookEvent.objects.exists()


def test_a_webhook_without_signature_headers_is_refused_without_asking_paypal(client, owner, rsps):
    response = client.post("/payments/paypal/webhook/", data=json.dumps(_capture_event("WH-x")), content_type="application/json")
    assert response.status_code == 400
    assert not _calls(rsps, "/verify-webhook-signature")


def test_a_webhook_with_a_broken_body_is_a_400(client, rsps):
    response = client.post("/payments/paypal/webhook/", data="{not json", content_type="application/json", **PAYPAL_SIGNATURE_HEADERS)
    assert response.status_code == 400


def test_the_webhook_reads_the_capture_back_rather_than_trusting_the_body(client, owner, rsps):
    order = make_order(owner, medium="paypal")
    payment = _paypal_payment(order, status=PaymentStatus.PENDING, provider_payment_id="CAP123")
    rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
    # The body says COMPLETED; PayPal says the capture is still PENDING.
    rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", json=paypal_capture(payment, status="PENDING"))
    _post_webhook(client, _capture_event("WH-2"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_capture_refunded_webhook_refunds_the_order(client, owner, rsps):
    order = make_order(owner, medium="paypal", status=OrderStatus.ACTIVE)
    payment = _paypal_payment(order, status=PaymentStatus.CONFIRMED, provider_payment_id="CAP123")
    rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
    rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", json=paypal_capture(payment, status="REFUNDED"))
    rsps.get(f"{PAYPAL_API}/v2/payments/refunds/REF1", json={
        "id": "REF1", "status": "COMPLETED", "amount": {"currency_code": payment.currency, "value": f"{payment.amount:.2f}"}})
    event = {"id": "WH-r", "event_type": "PAYMENT.CAPTURE.REFUNDED", "resource_type": "refund",
             "resource": {"id": "REF1", "status": "COMPLETED", "links": [
                 {"href": f"{PAYPAL_API}/v2/payments/captures/CAP123", "rel": "up", "method": "GET"}]}}
    assert _post_webhook(client, event).status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert order.status == OrderStatus.REFUNDED


def test_paypal_being_down_during_verification_answers_503(client, owner, rsps):
    rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", status=503, json={})
    assert _post_webhook(client, _capture_event("WH-d")).status_code == 503
    assert not WebhookEvent.objects.exists()


def test_unknown_paypal_event_types_are_ignored_with_200(client, rsps):
    rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
    response = _post_webhook(client, {"id": "WH-o", "event_type": "CHECKOUT.ORDER.APPROVED", "resource": {"id": "X"}})
    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_the_signature_check_sends_paypal_the_event_byte_for_byte(client, owner, rsps):
    order = make_order(owner, medium="paypal")
    payment = _paypal_payment(order, status=PaymentStatus.PENDING, provider_payment_id="CAP123")
    rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
    rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", json=paypal_capture(payment, status="COMPLETED"))
    # Spacing and key order as PayPal might send them; re-serialising would change both.
    raw = '{ "resource": {"status": "COMPLETED", "id": "CAP123"}, "id": "WH-raw",  "event_type": "PAYMENT.CAPTURE.COMPLETED"}'
    response = client.post("/payments/paypal/webhook/", data=raw, content_type="application/json",
                           **PAYPAL_SIGNATURE_HEADERS)
    assert response.status_code == 200
    sent = _calls(rsps, "/verify-webhook-signature")[0].request.body.decode()
    assert sent.endswith(', "webhook_event": ' + raw + "}")
