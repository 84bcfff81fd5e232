"""Memberships on Stripe Billing, through the real SDK with Stripe's HTTP mocked and its signature
checked: Checkout in subscription mode with the money transferred to the owner's account, then the
subscription's events through the shared webhook: renewed once however often an event arrives,
an older event never overwriting a newer state, past due with Stripe's pay link, cancelled."""
import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.test import RequestFactory

from memberships.models import MembershipStatus, PackageMembership
from notifications.models import Message, MessageKind
from orders.credits import item_balance
from orders.models import OrderStatus
from orders.services import order_create
from payments.connections import connection_save
from payments.models import Provider, WebhookEvent
from payments.providers.base import get_provider
from payments.services import payment_start
from payments.tests.billing_helpers import DAY, event, ts
from payments.tests.helpers import STRIPE_API, STRIPE_KEYS, post_stripe_event, stripe_signature
from tests import NOW

pytestmark = pytest.mark.django_db
T0 = ts(NOW)
MONTH = 31 * DAY


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def subscription(order, *, status="active", start=T0, end=T0 + MONTH, cancel_at_period_end=False, paused=False):
    return {
        "id": "sub_m1", "object": "subscription", "customer": "cus_c1", "status": status, "created": T0,
        "start_date": T0, "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": end if cancel_at_period_end else None, "livemode": False,
        "pause_collection": {"behavior": "void"} if paused else None,
        "metadata": {"order_id": str(order.pk), "purpose": "membership"},
        "items": {"object": "list", "data": [{"id": "si_1", "object": "subscription_item",
                                              "current_period_start": start, "current_period_end": end}]},
    }


def invoice(sub, *, invoice_id, status="paid", start, end, billing_reason="subscription_cycle"):
    return {
        "id": invoice_id, "object": "invoice", "customer": "cus_c1", "status": status,
        "billing_reason": billing_reason, "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
        "lines": {"object": "list", "data": [{"period": {"start": start, "end": end}}]},
        "parent": {"type": "subscription_details",
                   "subscription_details": {"subscription": sub["id"], "metadata": sub["metadata"]}},
        # The API version the SDK pins lists what paid the invoice (with `expand[]=payments`).
        "payments": {"object": "list", "data": [
            {"object": "invoice_payment", "status": "paid",
             "payment": {"type": "payment_intent", "payment_intent": f"pi_{invoice_id}"}}] if status == "paid" else []},
    }


def deliver(client, rsps, event_id, event_type, obj, *, sub, inv=None, created=T0):
    rsps.get(f"{STRIPE_API}/v1/subscriptions/{sub['id']}", json=sub)
    if inv is not None:
        rsps.get(f"{STRIPE_API}/v1/invoices/{inv['id']}", json=inv)
    response = post_stripe_event(client, event(event_id, event_type, obj, created=created))
    assert response.status_code == 200, response.content
    return response


@pytest.fixture
def subscribed(client, owner, package, rsps):
    """Cleo's membership order paid through Stripe Checkout (subscription mode), as the
    checkout.session.completed event leaves it."""
    connection_save(owner=owner, provider=Provider.STRIPE, account_id="acct_owner1", is_active=True)
    order = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                         client_timezone="America/New_York")
    payment = payment_start(order=order, provider=Provider.STRIPE)
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions",
              json={"id": "cs_m1", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_m1"})
    get_provider(Provider.STRIPE).start_checkout(payment, RequestFactory().get("/"))
    sent = parse_qs(rsps.calls[-1].request.body)
    session = {"id": "cs_m1", "object": "checkout.session", "mode": "subscription", "client_reference_id": str(payment.pk),
               "metadata": {"payment_id": str(payment.pk), "order_id": str(order.pk), "purpose": "membership"},
               "payment_status": "paid", "status": "complete", "amount_total": 8000, "currency": "usd",
               "payment_intent": None, "subscription": "sub_m1", "invoice": "in_1"}
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/cs_m1", json=session)
    rsps.get(f"{STRIPE_API}/v1/subscriptions/sub_m1", json=subscription(order))
    first = invoice(subscription(order), invoice_id="in_1", start=T0, end=T0 + MONTH,
                    billing_reason="subscription_create")
    rsps.get(f"{STRIPE_API}/v1/invoices/in_1", json=first)
    response = post_stripe_event(client, json.dumps({
        "id": "evt_checkout", "object": "event", "type": "checkout.session.completed", "created": T0,
        "data": {"object": session}}))
    assert response.status_code == 200
    order.refresh_from_db()
    return order, sent


def balance(order) -> int:
    return sum(item_balance(item.pk) for item in order.items.all())


def test_checkout_subscribes_on_the_platform_with_the_money_sent_to_the_owner(subscribed):
    order, sent = subscribed

    assert sent["mode"] == ["subscription"]
    assert sent["subscription_data[transfer_data][destination]"] == ["acct_owner1"]
    assert sent["line_items[0][price_data][recurring][interval]"] == ["month"]
    assert sent["line_items[0][price_data][unit_amount]"] == ["8000"]
    assert order.status == OrderStatus.ACTIVE
    membership = order.package_membership
    assert (membership.provider, membership.provider_subscription_id) == ("stripe", "sub_m1")
    assert membership.current_period_end == NOW + timedelta(seconds=MONTH)
    assert balance(order) == 4


def test_a_paid_renewal_invoice_adds_the_sessions_once_however_often_it_arrives(client, rsps, subscribed):
    order, _ = subscribed
    sub = subscription(order, start=T0 + MONTH, end=T0 + 2 * MONTH)
    paid = {**invoice(sub, invoice_id="in_2", start=T0 + MONTH, end=T0 + 2 * MONTH),
            "amount_paid": 7500, "currency": "usd"}  # a coupon at Stripe: what was collected is recorded

    deliver(client, rsps, "evt_paid_2", "invoice.paid", paid, sub=sub, inv=paid, created=T0 + MONTH)
    replay = deliver(client, rsps, "evt_paid_2", "invoice.paid", paid, sub=sub, inv=paid, created=T0 + MONTH)
    # Stripe may also send the same news as another event: the period is recorded once.
    deliver(client, rsps, "evt_paid_2b", "invoice.paid", paid, sub=sub, inv=paid, created=T0 + MONTH)

    assert replay.content == b"Already processed."
    renewal_payment = order.payments.order_by("pk").last()
    assert (renewal_payment.provider, renewal_payment.amount, renewal_payment.provider_reference) == (
        "stripe", Decimal("75.000"), "in_2")
    assert order.payments.count() == 2
    membership = PackageMembership.objects.get(order=order)
    assert membership.periods.count() == 2
    assert balance(order) == 4  # reset: the four unused went, four came
    assert WebhookEvent.objects.filter(event_id="evt_paid_2").count() == 1


def test_an_older_failure_arriving_after_a_newer_payment_changes_nothing(client, rsps, subscribed):
    order, _ = subscribed
    sub = subscription(order, start=T0 + MONTH, end=T0 + 2 * MONTH)
    paid = invoice(sub, invoice_id="in_2", start=T0 + MONTH, end=T0 + 2 * MONTH)
    failed = invoice(sub, invoice_id="in_2", status="open", start=T0 + MONTH, end=T0 + 2 * MONTH)

    deliver(client, rsps, "evt_paid", "invoice.paid", paid, sub=sub, inv=paid, created=T0 + MONTH + 3600)
    deliver(client, rsps, "evt_failed_late", "invoice.payment_failed", failed, sub=sub, inv=failed,
            created=T0 + MONTH)

    membership = PackageMembership.objects.get(order=order)
    assert membership.status == MembershipStatus.ACTIVE
    assert not Message.objects.filter(kind=MessageKind.MEMBERSHIP_PAST_DUE).exists()


def test_a_failed_renewal_is_past_due_with_stripes_pay_link_until_paid(client, rsps, subscribed):
    order, _ = subscribed
    sub = subscription(order, status="past_due")
    failed = invoice(sub, invoice_id="in_2", status="open", start=T0 + MONTH, end=T0 + 2 * MONTH)

    deliver(client, rsps, "evt_failed", "invoice.payment_failed", failed, sub=sub, inv=failed, created=T0 + MONTH)

    order.refresh_from_db()
    membership = order.package_membership
    assert membership.status == MembershipStatus.PAST_DUE
    assert membership.pay_url == "https://invoice.stripe.com/i/in_2"
    assert order.bookings_held_from is not None
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert "https://invoice.stripe.com/i/in_2" in page and "Pay now or update your card" in page

    paid = {**failed, "status": "paid"}
    deliver(client, rsps, "evt_paid", "invoice.paid", paid, sub=subscription(order), inv=paid,
            created=T0 + MONTH + DAY)
    order.refresh_from_db()
    assert order.package_membership.status == MembershipStatus.ACTIVE and order.bookings_held_from is None


def test_cancelling_at_stripe_keeps_the_sessions_until_the_period_ends_then_ends(client, rsps, subscribed):
    order, _ = subscribed
    cancelling = subscription(order, cancel_at_period_end=True)
    deliver(client, rsps, "evt_upd", "customer.subscription.updated", cancelling, sub=cancelling, created=T0 + DAY)

    membership = PackageMembership.objects.get(order=order)
    assert membership.status == MembershipStatus.ACTIVE and membership.cancels
    assert membership.cancel_at == NOW + timedelta(seconds=MONTH)

    # An older "updated" (before the cancel) arrives late: the cancellation stands.
    deliver(client, rsps, "evt_upd_old", "customer.subscription.updated", subscription(order),
            sub=subscription(order), created=T0 + 60)
    membership.refresh_from_db()
    assert membership.cancels

    ended = subscription(order, status="canceled")
    deliver(client, rsps, "evt_del", "customer.subscription.deleted", ended, sub=ended, created=T0 + MONTH)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED


def test_the_client_cancelling_on_the_order_page_tells_stripe(client, rsps, subscribed):
    order, _ = subscribed
    rsps.post(f"{STRIPE_API}/v1/subscriptions/sub_m1", json=subscription(order, cancel_at_period_end=True))

    client.post(f"/orders/{order.token}/membership/cancel/")

    sent = parse_qs(rsps.calls[-1].request.body)
    assert sent == {"cancel_at_period_end": ["true"]}
    assert PackageMembership.objects.get(order=order).cancels


def test_a_badly_signed_membership_event_changes_nothing(client, rsps, subscribed):
    order, _ = subscribed
    sub = subscription(order, status="past_due")
    payload = event("evt_forged", "customer.subscription.deleted", sub, created=T0 + DAY)

    response = post_stripe_event(client, payload, signature=stripe_signature(payload, secret="whsec_wrong"))

    assert response.status_code == 400
    assert PackageMembership.objects.get(order=order).status == MembershipStatus.ACTIVE


def test_a_pause_the_membership_refuses_is_never_sent_to_stripe(client, rsps, subscribed):
    order, _ = subscribed
    rsps.post(f"{STRIPE_API}/v1/subscriptions/sub_m1", json=subscription(order, cancel_at_period_end=True))
    client.post(f"/orders/{order.token}/membership/cancel/")
    calls = len(rsps.calls)

    response = client.post(f"/orders/{order.token}/membership/pause/", follow=True)

    assert "Only a running membership can be paused." in response.content.decode()
    assert len(rsps.calls) == calls


def test_the_first_invoice_and_a_proration_add_no_period(client, rsps, subscribed):
    order, _ = subscribed
    sub = subscription(order)
    first = invoice(sub, invoice_id="in_1", start=T0, end=T0 + MONTH, billing_reason="subscription_create")
    proration = invoice(sub, invoice_id="in_p", start=T0 + DAY, end=T0 + MONTH, billing_reason="subscription_update")

    deliver(client, rsps, "evt_first", "invoice.paid", first, sub=sub, inv=first)
    deliver(client, rsps, "evt_proration", "invoice.paid", proration, sub=sub, inv=proration, created=T0 + DAY)

    assert PackageMembership.objects.get(order=order).periods.count() == 1
    assert balance(order) == 4 and order.payments.count() == 1


def test_the_first_payment_and_each_renewal_can_be_refunded_through_their_payment_intent(
        client, rsps, subscribed, owner):
    """A subscription's checkout has no PaymentIntent of its own: the first invoice's is kept, as is
    each renewal invoice's, so the owner's refund reaches Stripe with the right one."""
    from payments.models import Payment
    from payments.services import payment_refund

    order, _sent = subscribed
    first_payment = Payment.objects.get(order=order)
    assert first_payment.provider_payment_id == "pi_in_1"
    sub = subscription(order, start=T0 + MONTH, end=T0 + 2 * MONTH)
    paid = invoice(sub, invoice_id="in_2", start=T0 + MONTH, end=T0 + 2 * MONTH)
    deliver(client, rsps, "evt_paid_2", "invoice.paid", paid, sub=sub, inv=paid, created=T0 + MONTH)
    renewal = Payment.objects.filter(order=order).exclude(pk=first_payment.pk).get()
    assert renewal.provider_payment_id == "pi_in_2"
    invoice_reads = [call.request.url for call in rsps.calls if "/v1/invoices/" in call.request.url]
    assert invoice_reads and all("expand" in url and "payments" in url for url in invoice_reads)

    rsps.post(f"{STRIPE_API}/v1/refunds", json={"id": "re_1", "object": "refund", "status": "succeeded"})
    payment_refund(payment=first_payment, by_owner=owner, amount=Decimal("20.00"), reason="goodwill",
                   idempotency_key=f"refund-{first_payment.pk}")
    refund_call = parse_qs(rsps.calls[-1].request.body)
    assert refund_call["payment_intent"] == ["pi_in_1"] and refund_call["amount"] == ["2000"]


def test_the_owner_cancelling_the_order_stops_the_subscription_at_stripe(client, rsps, subscribed,
                                                                         django_capture_on_commit_callbacks):
    """An order the owner cancels (or refunds) ends its membership: Stripe must stop charging the
    client too, or each later month is collected with no sessions and no invoice here."""
    from orders.lifecycle import order_cancel

    order, _ = subscribed
    rsps.delete(f"{STRIPE_API}/v1/subscriptions/sub_m1", json=subscription(order, status="canceled"))

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="Moving away")

    assert [call.request.method for call in rsps.calls if call.request.url.endswith("/v1/subscriptions/sub_m1")
            ][-1:] == ["DELETE"]
    assert PackageMembership.objects.get(order=order).status == MembershipStatus.CANCELLED


def test_a_renewal_stripe_collected_just_after_the_client_paused_still_counts(client, rsps, subscribed):
    """Stripe voids only the invoices made while collection is paused: one made at the period's end
    and paid after the client paused is money received, so its period, payment and sessions count."""
    order, _ = subscribed
    paused = subscription(order, start=T0 + MONTH, end=T0 + 2 * MONTH, paused=True)
    deliver(client, rsps, "evt_pause", "customer.subscription.updated", paused, sub=paused,
            created=T0 + MONTH + 600)
    paid = invoice(paused, invoice_id="in_2", start=T0 + MONTH, end=T0 + 2 * MONTH)

    deliver(client, rsps, "evt_paid_2", "invoice.paid", paid, sub=paused, inv=paid, created=T0 + MONTH + 3600)

    membership = PackageMembership.objects.get(order=order)
    assert membership.periods.count() == 2
    assert order.payments.filter(provider_reference="in_2").count() == 1
    assert membership.status == MembershipStatus.PAUSED  # still paused at Stripe


@pytest.mark.parametrize("language, unanswered", [
    ("de", "Stripe hat nicht geantwortet. Es wurde nichts geändert; bitte versuchen Sie es gleich noch einmal."),
    ("es", "Stripe no ha respondido. No se ha cambiado nada; inténtelo de nuevo en un momento."),
])
def test_a_german_or_spanish_client_is_told_in_their_language_when_stripe_does_not_answer(
        client, rsps, owner, subscribed, language, unanswered):
    order, _ = subscribed
    owner.page_language = language
    owner.save(update_fields=["page_language"])
    rsps.post(f"{STRIPE_API}/v1/subscriptions/sub_m1", status=500, json={"error": {"message": "boom"}})

    response = client.post(f"/orders/{order.token}/membership/cancel/", follow=True)

    assert unanswered in response.content.decode()
    assert not PackageMembership.objects.get(order=order).cancels
