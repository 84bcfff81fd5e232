"""Stripe: Checkout Session creation, the verified webhook and the client's return."""
import time
from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qs

import pytest
import responses
from django.db import OperationalError

from orders.models import OrderStatus
from payments.models import Payment, PaymentConnection, PaymentStatus, WebhookEvent
from payments.tests.helpers import (
    STRIPE_API,
    STRIPE_KEYS,
    make_payment,
    mock_stripe_session,
    post_stripe_event,
    stripe_event,
    stripe_session,
    stripe_signature,
)
from tests import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mocked:
        yield mocked


def _form(request) -> dict:
    return {key: values[0] for key, values in parse_qs(request.body).items()}


def test_checkout_creates_a_stripe_session_for_the_snapshot_amount_and_redirects(client, owner, rsps):
    order = make_order(owner, price="49.90", currency="USD")
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_test_new", "object": "checkout.session",
                                                          "url": "https://checkout.stripe.com/c/pay/cs_test_new"})
    response = client.post(f"/payments/checkout/{order.token}/")
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_new"
    payment = Payment.objects.get(order=order)
    sent = rsps.calls[0].request
    form = _form(sent)
    assert sent.headers["Idempotency-Key"] == f"checkout-{order.pk}-{payment.pk}"
    assert sent.headers["Authorization"] == "Bearer sk_test_123"
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "4990"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][product_data][name]"] == order.title
    assert form["client_reference_id"] == str(payment.pk)
    assert form["metadata[order_id]"] == str(order.pk)
    assert form["customer_email"] == "cleo@example.com"
    assert form["success_url"].endswith(f"/payments/return/{payment.token}/?session_id={{CHECKOUT_SESSION_ID}}")
    assert "payment_intent_data[transfer_data][destination]" not in form  # no connection: the platform
    assert (payment.amount, payment.currency, payment.provider_reference) == (Decimal("49.90"), "USD", "cs_test_new")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_checkout_sends_zero_decimal_currencies_unscaled(client, owner, rsps):
    order = make_order(owner, price="1500", currency="JPY")
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_jpy", "url": "https://checkout.stripe.com/x"})
    client.post(f"/payments/checkout/{order.token}/")
    form = _form(rsps.calls[0].request)
    assert form["line_items[0][price_data][unit_amount]"] == "1500"
    assert form["line_items[0][price_data][currency]"] == "jpy"


def test_checkout_sends_icelandic_kronur_in_stripes_two_decimal_units(client, owner, rsps):
    # ISK has no decimals, but Stripe's API keeps it two-decimal: 100 means 1 krona.
    order = make_order(owner, price="15000", currency="ISK")
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_isk", "url": "https://checkout.stripe.com/x"})
    client.post(f"/payments/checkout/{order.token}/")
    form = _form(rsps.calls[0].request)
    assert form["line_items[0][price_data][unit_amount]"] == "1500000"
    assert form["line_items[0][price_data][currency]"] == "isk"


def test_a_session_paid_in_kronur_is_read_back_in_stripes_two_decimal_units(client, owner, rsps):
    order = make_order(owner, price="15000", currency="ISK")
    payment = make_payment(order)
    # What Stripe reports for a session that collected 150 ISK (15000 in its units) does not pay
    # a package of 15,000 ISK.
    mock_stripe_session(rsps, stripe_session(payment, amount_total=15000))
    post_stripe_event(client, stripe_event("evt_isk_short", "checkout.session.completed", {"id": "cs_test_1"}))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and payment.flagged
    payment.flagged = False
    payment.save()
    mock_stripe_session(rsps, stripe_session(payment, amount_total=1500000))
    post_stripe_event(client, stripe_event("evt_isk_paid", "checkout.session.completed", {"id": "cs_test_1"}))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE and payment.status == PaymentStatus.CONFIRMED


def test_checkout_routes_money_to_the_owners_connected_account(client, owner, rsps):
    PaymentConnection.objects.create(owner=owner, provider="stripe", account_id="acct_1Owner", is_active=True)
    order = make_order(owner)
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_c", "url": "https://checkout.stripe.com/c"})
    client.post(f"/payments/checkout/{order.token}/")
    form = _form(rsps.calls[0].request)
    assert form["payment_intent_data[transfer_data][destination]"] == "acct_1Owner"
    assert Payment.objects.get(order=order).destination_account == "acct_1Owner"


def test_a_second_click_on_pay_reuses_the_open_checkout(client, owner, rsps):
    order = make_order(owner)
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_once", "url": "https://checkout.stripe.com/once"})
    first = client.post(f"/payments/checkout/{order.token}/")
    second = client.post(f"/payments/checkout/{order.token}/")
    assert first["Location"] == second["Location"] == "https://checkout.stripe.com/once"
    assert len(rsps.calls) == 1
    assert Payment.objects.filter(order=order).count() == 1


def test_checkout_shows_a_message_when_stripe_fails(client, owner, rsps):
    order = make_order(owner)
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", status=500, json={"error": {"message": "boom"}})
    response = client.post(f"/payments/checkout/{order.token}/", follow=True)
    assert response.status_code == 200
    assert "Stripe could not start the payment" in response.content.decode()


def test_completed_webhook_activates_the_order_after_reading_the_session_back(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment))
    # The event body claims nothing useful: the state comes from the re-fetched session.
    payload = stripe_event("evt_1", "checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})
    response = post_stripe_event(client, payload)
    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert payment.status == PaymentStatus.CONFIRMED
    assert payment.provider_payment_id == "pi_test_1"
    assert WebhookEvent.objects.filter(provider="stripe", event_id="evt_1").count() == 1


def test_completed_but_unpaid_session_waits(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment, payment_status="unpaid"))
    post_stripe_event(client, stripe_event("evt_u", "checkout.session.completed", {"id": "cs_test_1"}))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert payment.status == PaymentStatus.PENDING


def test_async_payment_failed_fails_the_payment_and_leaves_the_order_payable(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order, status=PaymentStatus.PENDING)
    mock_stripe_session(rsps, stripe_session(payment, payment_status="unpaid"))
    post_stripe_event(client, stripe_event("evt_f", "checkout.session.async_payment_failed", {"id": "cs_test_1"}))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize(
    "signature", ["", "t=123,v1=deadbeef", stripe_signature("{}", secret="whsec_other")],
    ids=["missing", "wrong", "other-secret"],  # the last holds a timestamp: ids must match across xdist workers
)
def test_a_wrong_or_missing_signature_changes_nothing(client, owner, rsps, signature):
    order = make_order(owner)
    payment = make_payment(order)
    payload = stripe_event("evt_bad", "checkout.session.completed", {"id": "cs_test_1"})
    response = post_stripe_event(client, payload, signature=signature)
    assert response.status_code == 400
    assert len(rsps.calls) == 0  # nothing was fetched either
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert payment.status == PaymentStatus.CREATED
    assert not WebhookEvent.objects.exists()


def test_a_signature_older_than_stripes_tolerance_is_refused(client, owner, rsps):
    order = make_order(owner)
    make_payment(order)
    payload = stripe_event("evt_old", "checkout.session.completed", {"id": "cs_test_1"})
    response = post_stripe_event(client, payload, signature=stripe_signature(payload, timestamp=int(time.time()) - 600))
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_tampered_body_is_refused(client, owner, rsps):
    order = make_order(owner)
    make_payment(order)
    payload = stripe_event("evt_t", "checkout.session.completed", {"id": "cs_test_1"})
    signature = stripe_signature(payload)
    response = post_stripe_event(client, payload.replace("evt_t", "evt_x"), signature=signature)
    assert response.status_code == 400


def test_the_webhook_only_accepts_post(client):
    assert client.get("/payments/stripe/webhook/").status_code == 405


def test_a_non_json_body_with_a_valid_signature_is_a_400(client):
    response = post_stripe_event(client, "not json")
    assert response.status_code == 400


def test_an_amount_mismatch_leaves_the_order_pending_and_flags_the_payment(client, owner, rsps):
    order = make_order(owner, price="100.00")
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment, amount_total=100))  # 1.00 USD
    post_stripe_event(client, stripe_event("evt_m", "checkout.session.completed", {"id": "cs_test_1"}))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert payment.status != PaymentStatus.CONFIRMED
    assert payment.flagged and "1.00 USD" in payment.flag_reason


def test_a_currency_mismatch_leaves_the_order_pending(client, owner, rsps):
    order = make_order(owner, price="100.00", currency="USD")
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment, currency="eur"))
    post_stripe_event(client, stripe_event("evt_c", "checkout.session.completed", {"id": "cs_test_1"}))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert payment.flagged


def test_money_for_a_cancelled_order_is_recorded_and_flagged_not_applied(client, owner, rsps):
    order = make_order(owner, status=OrderStatus.CANCELLED)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment))
    post_stripe_event(client, stripe_event("evt_cx", "checkout.session.completed", {"id": "cs_test_1"}))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.CONFIRMED
    assert payment.flagged and "refund it" in payment.flag_reason


def test_an_expired_event_never_downgrades_a_paid_order(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment))
    post_stripe_event(client, stripe_event("evt_paid", "checkout.session.completed", {"id": "cs_test_1"}))
    rsps.replace(responses.GET, f"{STRIPE_API}/v1/checkout/sessions/cs_test_1",
                 json=stripe_session(payment, payment_status="unpaid", status="expired"))
    response = post_stripe_event(client, stripe_event("evt_exp", "checkout.session.expired", {"id": "cs_test_1"}))
    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert payment.status == PaymentStatus.CONFIRMED


def test_an_expired_session_fails_an_unpaid_payment(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment, payment_status="unpaid", status="expired"))
    post_stripe_event(client, stripe_event("evt_e", "checkout.session.expired", {"id": "cs_test_1"}))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_unknown_event_types_are_ignored_with_200(client, rsps):
    response = post_stripe_event(client, stripe_event("evt_i", "customer.created", {"id": "cus_1"}))
    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_events_for_unknown_payments_are_ignored_with_200(client, owner, rsps):
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/cs_unknown", json={
        "id": "cs_unknown", "client_reference_id": "999999", "metadata": {}, "payment_status": "paid",
        "status": "complete", "amount_total": 100, "currency": "usd",
    })
    response = post_stripe_event(client, stripe_event("evt_n", "checkout.session.completed", {"id": "cs_unknown"}))
    assert response.status_code == 200
    assert not Payment.objects.exists()


def test_a_database_lock_timeout_answers_503_and_the_retry_applies_the_event(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment))
    payload = stripe_event("evt_lock", "checkout.session.completed", {"id": "cs_test_1"})
    with mock.patch("payments.services.payment_confirm", side_effect=OperationalError("canceling statement due to lock timeout")):
        response = post_stripe_event(client, payload)
    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert post_stripe_event(client, payload).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE


def test_stripe_being_down_when_reading_back_answers_503(client, owner, rsps):
    order = make_order(owner)
    make_payment(order)
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/cs_test_1", status=500, json={"error": {"message": "down"}})
    response = post_stripe_event(client, stripe_event("evt_d", "checkout.session.completed", {"id": "cs_test_1"}))
    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()


def test_the_return_reads_the_session_back_and_sends_the_client_to_the_order(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment))
    # A forged session id in the query string is not what gets read.
    response = client.get(f"/payments/return/{payment.token}/?session_id=cs_forged")
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.token}/"
    assert rsps.calls[0].request.url.endswith("/v1/checkout/sessions/cs_test_1")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE


def test_the_return_says_processing_and_refreshes_until_paid(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    mock_stripe_session(rsps, stripe_session(payment, payment_status="unpaid", status="open"))
    response = client.get(f"/payments/return/{payment.token}/?session_id=cs_test_1")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Processing your payment" in body
    assert '<meta name="refresh-after" content="3">' in body
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_cancelled_checkout_offers_to_try_again(client, owner, rsps):
    order = make_order(owner)
    payment = make_payment(order)
    response = client.get(f"/payments/return/{payment.token}/?cancelled=1")
    body = response.content.decode()
    assert "Payment cancelled" in body and "Nothing was charged" in body
    assert f"/payments/checkout/{order.token}/" in body
    assert len(rsps.calls) == 0


def test_unknown_return_and_checkout_tokens_are_404(client):
    assert client.get("/payments/return/nope/").status_code == 404
    assert client.get("/payments/checkout/nope/").status_code == 404


def test_charge_refunded_in_stripe_refunds_the_order(client, owner, rsps):
    order = make_order(owner, status=OrderStatus.ACTIVE)
    payment = make_payment(order, status=PaymentStatus.CONFIRMED, provider_payment_id="pi_test_1")
    rsps.get(f"{STRIPE_API}/v1/charges/ch_1", json={
        "id": "ch_1", "object": "charge", "payment_intent": "pi_test_1", "refunded": True,
        "refunds": {"object": "list", "data": [{"id": "re_1", "object": "refund"}]},
    })
    response = post_stripe_event(client, stripe_event("evt_r", "charge.refunded", {"id": "ch_1", "object": "charge"}))
    assert response.status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_reference == "re_1"
    assert order.status == OrderStatus.REFUNDED


def test_a_refund_that_arrives_before_the_payment_is_confirmed_is_applied_once_it_is(client, owner, rsps):
    # The owner refunded in Stripe's dashboard while checkout.session.completed was still being
    # retried by Stripe (it got a 503): the refund event comes first.
    order = make_order(owner, price="100.00", currency="USD")
    payment = make_payment(order)
    charge = {
        "id": "ch_1", "object": "charge", "currency": "usd", "refunded": True,
        "payment_intent": {"id": "pi_test_1", "object": "payment_intent",
                           "metadata": {"payment_id": str(payment.pk), "order_id": str(order.pk)}},
        "refunds": {"object": "list", "data": [{"id": "re_1", "object": "refund", "status": "succeeded",
                                                "amount": 10000, "metadata": {}}]},
    }
    rsps.get(f"{STRIPE_API}/v1/charges/ch_1", json=charge)
    mock_stripe_session(rsps, stripe_session(payment))
    refunded = stripe_event("evt_r", "charge.refunded", {"id": "ch_1", "object": "charge"})
    response = post_stripe_event(client, refunded)
    assert response.status_code == 503  # Stripe retries it once the payment is known here
    assert not WebhookEvent.objects.filter(event_id="evt_r").exists()

    completed = stripe_event("evt_c", "checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})
    assert post_stripe_event(client, completed).status_code == 200
    assert post_stripe_event(client, refunded).status_code == 200  # Stripe's retry
    assert post_stripe_event(client, refunded).status_code == 200  # and a replay
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_reference == "re_1"
    assert payment.refunds.count() == 1 and payment.refunded_amount == payment.amount
    assert order.status == OrderStatus.REFUNDED


def test_a_refund_of_a_charge_that_is_not_ours_is_ignored_not_retried(client, owner, rsps):
    order = make_order(owner)
    make_payment(order)
    rsps.get(f"{STRIPE_API}/v1/charges/ch_2", json={
        "id": "ch_2", "object": "charge", "currency": "usd", "refunded": True,
        "payment_intent": {"id": "pi_other", "object": "payment_intent", "metadata": {}},
        "refunds": {"object": "list", "data": [{"id": "re_2", "object": "refund", "status": "succeeded"}]},
    })
    response = post_stripe_event(client, stripe_event("evt_o", "charge.refunded", {"id": "ch_2", "object": "charge"}))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and not Payment.objects.filter(refunds__isnull=False).exists()
