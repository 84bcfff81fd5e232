"""Stripe webhook bodies that are validly signed but not the shape of an event answer 400 (not a
server error) and change nothing; a half-configured site answers 503 on the billing events too."""
import logging

import pytest

from payments.models import WebhookEvent
from payments.tests.billing_helpers import PRICES
from payments.tests.helpers import STRIPE_KEYS, post_stripe_event, stripe_event

pytestmark = pytest.mark.django_db

MALFORMED = [
    "{}",
    "[]",
    '"event"',
    "1",
    "null",
    '{"id": "evt_1", "type": "checkout.session.completed"}',
    '{"id": "evt_1", "type": "checkout.session.completed", "data": []}',
    '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": []}}',
    '{"id": "evt_1", "type": "customer.subscription.updated", "data": {"object": "sub_1"}}',
    '{"id": ["evt_1"], "type": "customer.subscription.updated", "data": {"object": {"id": "sub_1"}}}',
    '{"id": "evt_1", "type": {"a": 1}, "data": {"object": {"id": "sub_1"}}}',
    '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"id": ["cs_1"]}}}',
]


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    for name, value in {**STRIPE_KEYS, **PRICES}.items():
        setattr(settings, name, value)


@pytest.mark.parametrize("payload", MALFORMED)
def test_a_signed_body_that_is_not_an_event_answers_400_and_records_nothing(client, payload):
    response = post_stripe_event(client, payload)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("obj", [
    {"id": "sub_1", "customer": ["cus_1"], "metadata": "team"},
    {"id": "sub_1", "customer": {"id": ["cus_1"]}, "metadata": ["owner_id"]},
    {"id": 5, "customer": 7, "metadata": {"owner_id": ["1"]}},
])
def test_a_subscription_event_with_odd_fields_is_recorded_and_ignored(client, obj):
    response = post_stripe_event(client, stripe_event("evt_odd", "customer.subscription.updated", obj))

    assert response.status_code == 200
    assert WebhookEvent.objects.filter(event_id="evt_odd").count() == 1


@pytest.mark.parametrize("event_type", ["customer.subscription.updated", "invoice.paid"])
def test_a_billing_event_with_a_secret_but_no_api_key_answers_503_and_logs_why(client, owner, settings, caplog,
                                                                                 event_type):
    settings.STRIPE_SECRET_KEY = ""
    obj = {"id": "sub_1", "customer": "cus_1", "metadata": {"owner_id": str(owner.pk)}}
    if event_type == "invoice.paid":
        obj = {"id": "in_1", "customer": "cus_1", "subscription": "sub_1", "metadata": {}}
        obj["subscription_details"] = {"metadata": {"owner_id": str(owner.pk)}}

    with caplog.at_level(logging.ERROR):
        response = post_stripe_event(client, stripe_event("evt_half", event_type, obj))

    assert response.status_code == 503
    assert "STRIPE_SECRET_KEY is not" in caplog.text
    assert WebhookEvent.objects.count() == 0

