"""Each provider event changes state at most once, whatever order and however often it arrives;
the webhook, the client's return and a second return racing each other confirm once."""
import json
import threading
from unittest import mock

import pytest
import responses
from django.db import connection

from orders.models import OrderStatus, PackageOrder
from payments.models import Payment, PaymentStatus, Provider, WebhookEvent
from payments.tests.helpers import (
    PAYPAL_API,
    PAYPAL_KEYS,
    PAYPAL_SIGNATURE_HEADERS,
    STRIPE_KEYS,
    make_payment,
    mock_paypal_token,
    mock_stripe_session,
    paypal_capture,
    paypal_order,
    post_stripe_event,
    stripe_event,
    stripe_session,
)
from tests import make_order


@pytest.fixture(autouse=True)
def keys(settings):
    for name, value in {**STRIPE_KEYS, **PAYPAL_KEYS}.items():
        setattr(settings, name, value)



@pytest.mark.django_db
def test_stripe_events_delivered_five_times_in_reverse_order_activate_the_order_once(client, owner):
    order = make_order(owner)
    payment = make_payment(order)
    events = [
        stripe_event("evt_completed", "checkout.session.completed", {"id": "cs_test_1"}),
        stripe_event("evt_succeeded", "checkout.session.async_payment_succeeded", {"id": "cs_test_1"}),
        stripe_event("evt_expired", "checkout.session.expired", {"id": "cs_test_1"}),
    ]
    with responses.RequestsMock() as rsps, mock.patch("notifications.services.notify_order_confirmed") as notify:
        mock_stripe_session(rsps, stripe_session(payment))
        for payload in reversed(events):
            for _ in range(5):
                assert post_stripe_event(client, payload).status_code == 200
        # Each event is read back from Stripe once; the replays stop at the event row.
        assert len(rsps.calls) == len(events)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert payment.status == PaymentStatus.CONFIRMED
    assert Payment.objects.filter(order=order).count() == 1
    assert notify.call_count == 1
    assert WebhookEvent.objects.filter(provider="stripe").count() == len(events)


@pytest.mark.django_db
def test_paypal_events_delivered_five_times_in_reverse_order_activate_the_order_once(client, owner):
    order = make_order(owner, medium="paypal")
    payment = make_payment(order, provider=Provider.PAYPAL, reference="PPORDER1", status=PaymentStatus.PENDING,
                           provider_payment_id="CAP123")
    events = [
        {"id": "WH-pending", "event_type": "PAYMENT.CAPTURE.PENDING", "resource": {"id": "CAP123"}},
        {"id": "WH-completed", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"id": "CAP123"}},
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \
            mock.patch("notifications.services.notify_order_confirmed") as notify:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
        rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", json=paypal_capture(payment, status="COMPLETED"))
        for event in reversed(events):
            for _ in range(5):
                response = client.post("/payments/paypal/webhook/", data=json.dumps(event),
                                       content_type="application/json", **PAYPAL_SIGNATURE_HEADERS)
                assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert notify.call_count == 1
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_stripe_webhook_return_and_second_return_racing_confirm_once(owner):
    from django.test import Client

    order = make_order(owner)
    payment = make_payment(order)
    barrier = threading.Barrier(3)
    results: list[int] = []
    payload = stripe_event("evt_race", "checkout.session.completed", {"id": "cs_test_1"})

    def webhook():
        try:
            barrier.wait()
            results.append(post_stripe_event(Client(), payload).status_code)
        finally:
            connection.close()

    def client_return():
        try:
            barrier.wait()
            results.append(Client().get(f"/payments/return/{payment.token}/").status_code)
        finally:
            connection.close()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \
            mock.patch("notifications.services.notify_order_confirmed") as notify:
        mock_stripe_session(rsps, stripe_session(payment))
        threads = [threading.Thread(target=target) for target in (webhook, client_return, client_return)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [200, 302, 302]
    order = PackageOrder.objects.get(pk=order.pk)
    assert order.status == OrderStatus.ACTIVE
    assert notify.call_count == 1
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CONFIRMED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_paypal_webhook_return_and_second_return_racing_confirm_once(owner):
    from django.test import Client

    order = make_order(owner, medium="paypal")
    payment = make_payment(order, provider=Provider.PAYPAL, reference="PPORDER1")
    barrier = threading.Barrier(3)
    results: list[int] = []
    event = {"id": "WH-race", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"id": "CAP123"}}

    def webhook():
        try:
            barrier.wait()
            results.append(Client().post("/payments/paypal/webhook/", data=json.dumps(event),
                                         content_type="application/json", **PAYPAL_SIGNATURE_HEADERS).status_code)
        finally:
            connection.close()

    def client_return():
        try:
            barrier.wait()
            results.append(Client().get(f"/payments/return/{payment.token}/").status_code)
        finally:
            connection.close()

    capture = paypal_capture(payment, status="COMPLETED")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \
            mock.patch("notifications.services.notify_order_confirmed") as notify:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
        rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", json=capture)
        # PayPal replays the same capture for the same PayPal-Request-Id.
        rsps.post(f"{PAYPAL_API}/v2/checkout/orders/PPORDER1/capture", json=paypal_order(payment, capture))
        rsps.get(f"{PAYPAL_API}/v2/checkout/orders/PPORDER1", json=paypal_order(payment, capture))
        threads = [threading.Thread(target=target) for target in (webhook, client_return, client_return)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [200, 302, 302]
    assert PackageOrder.objects.get(pk=order.pk).status == OrderStatus.ACTIVE
    assert notify.call_count == 1
