"""Shared helpers of the payments tests: payments of orders, Stripe-signed webhook bodies, and the
provider HTTP mocks (`responses`), so the real SDK code runs and nothing reaches the internet."""
import hashlib
import hmac
import json
import time

import responses

from payments.models import Payment, PaymentStatus, Provider

STRIPE_SECRET = "whsec_test_secret"
STRIPE_KEYS = {"STRIPE_SECRET_KEY": "sk_test_123", "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "STRIPE_MAX_NETWORK_RETRIES": 0}
PAYPAL_KEYS = {"PAYPAL_CLIENT_ID": "client-id", "PAYPAL_CLIENT_SECRET": "client-secret",
               "PAYPAL_WEBHOOK_ID": "WH123", "PAYPAL_ENVIRONMENT": "sandbox"}
STRIPE_API = "https://api.stripe.com"
PAYPAL_API = "https://api-m.sandbox.paypal.com"


def make_payment(order, *, provider: str = Provider.STRIPE, status: str = PaymentStatus.CREATED,
                 reference: str = "cs_test_1", **fields) -> Payment:
    return Payment.objects.create(order=order, provider=provider, status=status, amount=order.price,
                                  currency=order.currency, provider_reference=reference, **fields)


# -- Stripe -------------------------------------------------------------------------------

def stripe_signature(payload: str, *, secret: str = STRIPE_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header, computed the way Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def stripe_event(event_id: str, event_type: str, obj: dict) -> str:
    return json.dumps({
        "id": event_id, "object": "event", "type": event_type, "api_version": "2024-06-20",
        "created": int(time.time()), "livemode": False, "data": {"object": obj},
    })


def post_stripe_event(client, payload: str, *, signature: str | None = None):
    headers = {"HTTP_STRIPE_SIGNATURE": stripe_signature(payload) if signature is None else signature}
    return client.post("/payments/stripe/webhook/", data=payload, content_type="application/json", **headers)


def stripe_session(payment: Payment, *, payment_status: str = "paid", status: str = "complete",
                   amount_total: int | None = None, currency: str | None = None, session_id: str | None = None) -> dict:
    from payments.providers.stripe.client import stripe_amount

    return {
        "id": session_id or payment.provider_reference, "object": "checkout.session",
        "client_reference_id": str(payment.pk),
        "metadata": {"payment_id": str(payment.pk), "order_id": str(payment.order_id)},
        "payment_status": payment_status, "status": status,
        "amount_total": stripe_amount(payment.amount, payment.currency) if amount_total is None else amount_total,
        "currency": (currency or payment.currency).lower(),
        "payment_intent": "pi_test_1", "url": "https://checkout.stripe.com/c/pay/cs_test_1",
    }


def mock_stripe_session(rsps: responses.RequestsMock, session: dict) -> None:
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/{session['id']}", json=session)


# -- PayPal -------------------------------------------------------------------------------

def mock_paypal_token(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{PAYPAL_API}/v1/oauth2/token", json={
        "access_token": "A21-test-token", "token_type": "Bearer", "expires_in": 32400, "scope": "x",
    })


def paypal_capture(payment: Payment, *, status: str = "COMPLETED", value: str | None = None,
                   currency: str | None = None, capture_id: str = "CAP123") -> dict:
    return {
        "id": capture_id, "status": status, "custom_id": str(payment.pk),
        "amount": {"currency_code": currency or payment.currency, "value": value or f"{payment.amount:.2f}"},
        "links": [],
    }


def paypal_order(payment: Payment, capture: dict | None = None, *, status: str = "COMPLETED") -> dict:
    unit = {"reference_id": str(payment.order_id), "amount": {"currency_code": payment.currency, "value": f"{payment.amount:.2f}"}}
    if capture is not None:
        unit["payments"] = {"captures": [capture]}
    return {"id": payment.provider_reference, "status": status, "purchase_units": [unit], "links": []}


PAYPAL_SIGNATURE_HEADERS = {
    "HTTP_PAYPAL_TRANSMISSION_ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
    "HTTP_PAYPAL_TRANSMISSION_TIME": "2026-02-18T20:01:35Z",
    "HTTP_PAYPAL_TRANSMISSION_SIG": "c2lnbmF0dXJl",
    "HTTP_PAYPAL_CERT_URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42",
    "HTTP_PAYPAL_AUTH_ALGO": "SHA256withRSA",
}
