"""A half-configured provider: the Stripe webhook answers 503 (and logs why) instead of 500,
`manage.py check` warns, and STRIPE_API_BASE points the Stripe client at stripe-mock or a fake."""
import logging

import pytest
import responses
from django.core import checks

from payments.models import Payment
from payments.tests.helpers import STRIPE_KEYS, make_payment, post_stripe_event, stripe_event
from tests import make_order

pytestmark = pytest.mark.django_db


def _warning_ids(settings, **values) -> set[str]:
    for name, value in values.items():
        setattr(settings, name, value)
    return {message.id for message in checks.run_checks() if message.level == checks.WARNING}


def test_a_stripe_webhook_with_a_secret_but_no_api_key_answers_503_and_logs_why(client, owner, settings, caplog):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_KEYS["STRIPE_WEBHOOK_SECRET"]
    settings.STRIPE_SECRET_KEY = ""
    payment = make_payment(make_order(owner))
    payload = stripe_event("evt_half", "checkout.session.completed", {"id": payment.provider_reference})

    with caplog.at_level(logging.ERROR):
        response = post_stripe_event(client, payload)

    assert response.status_code == 503
    assert "STRIPE_SECRET_KEY is not" in caplog.text


def test_check_warns_about_half_configured_providers(settings):
    clean = dict(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="", PAYPAL_CLIENT_ID="", PAYPAL_CLIENT_SECRET="",
                 PAYPAL_WEBHOOK_ID="", TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="", TWILIO_FROM_NUMBER="",
                 TWILIO_MESSAGING_SERVICE_SID="")
    assert _warning_ids(settings, **clean) & {"payments.W001", "payments.W002", "payments.W003",
                                               "payments.W004", "notifications.W001"} == set()
    assert "payments.W001" in _warning_ids(settings, **{**clean, "STRIPE_WEBHOOK_SECRET": "whsec_1"})
    assert "payments.W002" in _warning_ids(settings, **{**clean, "STRIPE_SECRET_KEY": "sk_test_1"})
    assert "payments.W003" in _warning_ids(settings, **{**clean, "PAYPAL_CLIENT_ID": "id"})
    assert "payments.W004" in _warning_ids(settings, **{**clean, "PAYPAL_CLIENT_ID": "id", "PAYPAL_CLIENT_SECRET": "s"})
    assert "notifications.W001" in _warning_ids(settings, **{**clean, "TWILIO_ACCOUNT_SID": "AC1"})
    assert _warning_ids(settings, **{**clean, "STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1"}) \
        & {"payments.W001", "payments.W002"} == set()


def test_stripe_api_base_sends_stripe_calls_to_a_local_fake(client, owner, settings):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"
    order = make_order(owner)

    with responses.RequestsMock() as fake:
        fake.post("http://127.0.0.1:12111/v1/checkout/sessions", json={
            "id": "cs_mock_1", "object": "checkout.session", "url": "http://127.0.0.1:12111/pay/cs_mock_1"})
        response = client.post(f"/payments/checkout/{order.token}/")

    assert response.status_code == 302
    assert response["Location"] == "http://127.0.0.1:12111/pay/cs_mock_1"
    assert Payment.objects.get(order=order).provider_reference == "cs_mock_1"
