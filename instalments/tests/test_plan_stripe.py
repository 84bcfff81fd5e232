"""Payment plans through Stripe (mocked at the HTTP layer, the real SDK and signature checks run):
the checkout saves the card, later instalments are off-session PaymentIntents routed to the owner's
connected account, and their webhooks are verified, replay-safe and order-safe."""
import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses

from instalments.models import Instalment, InstalmentStatus, PaymentPlan
from instalments.services import instalments_charge_due
from instalments.tests.conftest import place
from payments.models import Payment, PaymentConnection, PaymentPurpose, PaymentStatus
from payments.tests.helpers import STRIPE_API, STRIPE_KEYS, post_stripe_event, stripe_event, stripe_session
from tests import NOW

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=32)  # the second instalment is due


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


@pytest.fixture
def connected(owner):
    return PaymentConnection.objects.create(owner=owner, provider="stripe", account_id="acct_1Owner", is_active=True)


def form_of(request) -> dict:
    return {key: values[0] for key, values in parse_qs(request.body).items()}


def intent(intent_id="pi_inst_1", status="succeeded", amount=3333, error=None) -> dict:
    body = {"id": intent_id, "object": "payment_intent", "status": status, "amount": amount,
            "amount_received": amount if status == "succeeded" else 0, "currency": "usd"}
    if error:
        body["last_payment_error"] = {"message": error}
    return body


def paid_through_checkout(client, package, rsps) -> tuple:
    """The client's checkout at Stripe, completed; Stripe reports the card it saved."""
    order = place(package)
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_plan", "url": "https://checkout.stripe.com/p"})
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    session = stripe_session(payment)
    session["customer"] = "cus_Cleo"
    session["payment_intent"] = {"id": "pi_first", "customer": "cus_Cleo", "payment_method": "pm_card_visa"}
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/cs_plan", json=session)
    client.get(f"/payments/return/{payment.token}/")
    return order, payment


def test_the_checkout_charges_the_first_instalment_and_saves_the_card(client, package, rsps, connected):
    order, payment = paid_through_checkout(client, package, rsps)
    sent = form_of(rsps.calls[0].request)
    assert sent["line_items[0][price_data][unit_amount]"] == "3333"
    assert sent["payment_intent_data[setup_future_usage]"] == "off_session"
    assert sent["customer_creation"] == "always"
    assert sent["payment_intent_data[transfer_data][destination]"] == "acct_1Owner"
    assert "expand[0]=payment_intent" in rsps.calls[1].request.url.replace("%5B", "[").replace("%5D", "]")
    payment.refresh_from_db()
    assert (payment.status, payment.saved_method) == (PaymentStatus.CONFIRMED, "cus_Cleo/pm_card_visa")
    plan = PaymentPlan.objects.get(order=order)
    assert (plan.provider, plan.saved_method) == ("stripe", "cus_Cleo/pm_card_visa")


def test_a_due_instalment_is_an_off_session_payment_intent_routed_to_the_owner(client, package, rsps, connected):
    order, _ = paid_through_checkout(client, package, rsps)
    rsps.post(f"{STRIPE_API}/v1/payment_intents", json=intent())
    assert instalments_charge_due(now=LATER) == 1

    call = rsps.calls[-1].request
    sent = form_of(call)
    instalment_payment = Payment.objects.get(order=order, purpose=PaymentPurpose.INSTALMENT)
    assert call.headers["Idempotency-Key"] == f"instalment-{instalment_payment.pk}"
    assert (sent["amount"], sent["currency"], sent["customer"], sent["payment_method"]) == (
        "3333", "usd", "cus_Cleo", "pm_card_visa")
    assert (sent["off_session"], sent["confirm"]) == ("true", "true")
    assert sent["transfer_data[destination]"] == "acct_1Owner"
    assert (instalment_payment.status, instalment_payment.provider_reference) == (PaymentStatus.CONFIRMED, "pi_inst_1")
    assert Instalment.objects.get(plan__order=order, number=2).status == InstalmentStatus.PAID


def test_a_declined_card_fails_the_instalment_and_holds_bookings(client, package, rsps):
    order, _ = paid_through_checkout(client, package, rsps)
    rsps.post(f"{STRIPE_API}/v1/payment_intents", status=402, json={"error": {
        "type": "card_error", "code": "card_declined", "message": "Your card was declined.",
        "payment_intent": intent(status="requires_payment_method", error="Your card was declined.")}})
    instalments_charge_due(now=LATER)

    instalment = Instalment.objects.select_related("payment").get(plan__order=order, number=2)
    assert instalment.status == InstalmentStatus.FAILED
    assert instalment.payment.status == PaymentStatus.FAILED
    assert instalment.payment.provider_reference == "pi_inst_1"
    order.refresh_from_db()
    assert order.bookings_held_from is not None


def test_stripe_unreachable_leaves_the_instalment_to_the_next_run_with_the_same_key(client, package, rsps):
    order, _ = paid_through_checkout(client, package, rsps)
    rsps.post(f"{STRIPE_API}/v1/payment_intents", status=500, json={"error": {"message": "boom"}})
    instalments_charge_due(now=LATER)
    instalment = Instalment.objects.get(plan__order=order, number=2)
    assert instalment.status == InstalmentStatus.PROCESSING
    rsps.replace(responses.POST, f"{STRIPE_API}/v1/payment_intents", json=intent())
    instalments_charge_due(now=LATER + timedelta(minutes=20))
    keys = {call.request.headers.get("Idempotency-Key") for call in rsps.calls
            if call.request.url.endswith("/v1/payment_intents")}
    assert keys == {f"instalment-{instalment.payment_id}"}
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID


def test_webhooks_follow_the_intent_read_back_once_and_in_any_order(client, package, rsps):
    order, _ = paid_through_checkout(client, package, rsps)
    rsps.post(f"{STRIPE_API}/v1/payment_intents", json=intent(status="processing"))
    instalments_charge_due(now=LATER)
    payment = Payment.objects.get(order=order, purpose=PaymentPurpose.INSTALMENT)
    assert payment.status == PaymentStatus.PENDING

    # Stripe says it succeeded (read back, not taken from the body); then a replay; then a late
    # "failed" event that the state read back contradicts.
    rsps.get(f"{STRIPE_API}/v1/payment_intents/pi_inst_1", json=intent())
    body = stripe_event("evt_ok", "payment_intent.succeeded", {"id": "pi_inst_1", "object": "payment_intent"})
    assert post_stripe_event(client, body).status_code == 200
    assert post_stripe_event(client, body).content == b"Already processed."
    late = stripe_event("evt_old", "payment_intent.payment_failed", {"id": "pi_inst_1", "object": "payment_intent"})
    assert post_stripe_event(client, late).status_code == 200

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED
    assert Instalment.objects.get(plan__order=order, number=2).status == InstalmentStatus.PAID
    order.refresh_from_db()
    assert order.bookings_held_from is None
    assert Payment.objects.filter(order=order, purpose=PaymentPurpose.INSTALMENT).count() == 1


def test_an_unsigned_instalment_event_changes_nothing(client, package, rsps):
    order, _ = paid_through_checkout(client, package, rsps)
    body = json.dumps({"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_inst_1"}}})
    response = client.post("/payments/stripe/webhook/", data=body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE="t=1,v1=bad")
    assert response.status_code == 400
    assert Instalment.objects.get(plan__order=order, number=2).status == InstalmentStatus.SCHEDULED


def test_a_checkouts_own_intent_event_is_ignored(client, package, rsps):
    paid_through_checkout(client, package, rsps)
    body = stripe_event("evt_first", "payment_intent.succeeded", {"id": "pi_first", "object": "payment_intent"})
    assert post_stripe_event(client, body).content == b"Not an instalment, ignored."


def test_the_package_form_says_paypal_takes_one_payment(owner_client, package):
    html = owner_client.get(f"/dashboard/packages/{package.pk}/").content.decode()
    assert "PayPal takes one payment only." in html
    assert Decimal("100.00") == package.price


def test_an_instalment_stripe_did_not_answer_is_not_charged_once_the_owner_cancelled_the_order(client, package, rsps):
    from orders.lifecycle import order_cancel

    order, _ = paid_through_checkout(client, package, rsps)
    rsps.post(f"{STRIPE_API}/v1/payment_intents", status=500, json={"error": {"message": "boom"}})
    instalments_charge_due(now=LATER)
    assert Instalment.objects.get(plan__order=order, number=2).status == InstalmentStatus.PROCESSING

    order_cancel(order=order, reason="Moving away")
    rsps.replace(responses.POST, f"{STRIPE_API}/v1/payment_intents", json=intent())
    instalments_charge_due(now=LATER + timedelta(minutes=20))

    assert [call for call in rsps.calls if call.request.url.endswith("/v1/payment_intents")
            and call.response.status_code == 200] == []
    assert Instalment.objects.get(plan__order=order, number=2).status == InstalmentStatus.CANCELLED
    assert not Payment.objects.filter(order=order, purpose=PaymentPurpose.INSTALMENT,
                                      status=PaymentStatus.CONFIRMED).exists()


def test_pay_the_rest_a_day_after_an_abandoned_stripe_checkout_opens_a_new_one(client, package, rsps, time_machine):
    order, _ = paid_through_checkout(client, package, rsps)
    rsps.replace(responses.POST, f"{STRIPE_API}/v1/checkout/sessions",
                 json={"id": "cs_rest_1", "url": "https://checkout.stripe.com/rest-1"})
    first = client.post(f"/orders/{order.token}/plan/pay-rest/")
    assert first["Location"] == "https://checkout.stripe.com/rest-1"
    assert client.post(f"/orders/{order.token}/plan/pay-rest/")["Location"] == first["Location"]  # a double click

    # The client went away; Stripe's checkout page expires after a day.
    time_machine.move_to(NOW + timedelta(days=2), tick=False)
    rsps.replace(responses.POST, f"{STRIPE_API}/v1/checkout/sessions",
                 json={"id": "cs_rest_2", "url": "https://checkout.stripe.com/rest-2"})
    again = client.post(f"/orders/{order.token}/plan/pay-rest/")

    assert again["Location"] == "https://checkout.stripe.com/rest-2"
