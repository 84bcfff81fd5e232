"""Partial refunds: the owner gives back part of a payment through the provider that took it, with a
reason, keeping the order's sessions or taking some off (ledger); the payment shows "Partly
refunded". A double click, a replayed webhook or a webhook about a refund made here counts once;
bad input and an unreachable provider change nothing."""
import json
import zoneinfo
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.apps import apps as django_apps
from django.core import mail
from django.utils import timezone
from django.utils.html import strip_tags

from leadmonk.tokens import new_token
from orders.credits import item_balance
from orders.models import CreditLedgerEntry, LedgerReason, OrderStatus
from payments import services
from payments.models import Payment, PaymentStatus, Provider, Refund, RefundStatus
from payments.tests.helpers import (
    PAYPAL_API,
    PAYPAL_KEYS,
    STRIPE_API,
    STRIPE_KEYS,
    make_payment,
    mock_paypal_token,
    post_stripe_event,
    stripe_event,
)
from tests import make_meeting_type, make_order, on_postgres, race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys(settings):
    for name, value in {**STRIPE_KEYS, **PAYPAL_KEYS}.items():
        setattr(settings, name, value)


def _paid(owner, *, provider=Provider.STRIPE, sessions=4, price="100.00", currency="USD", destination=""):
    """An active order of `sessions` sessions (none booked), paid in full through `provider`."""
    order = make_order(owner, make_meeting_type(owner), status=OrderStatus.ACTIVE, sessions=sessions, with_items=True,
                       price=price,
                       currency=currency, medium=provider if provider != Provider.TEST else None)
    payment = make_payment(
        order, provider=provider, status=PaymentStatus.CONFIRMED, confirmed_at=timezone.now(),
        provider_payment_id={Provider.STRIPE: "pi_test_1", Provider.PAYPAL: "CAP123"}.get(provider, "test-charge"),
        destination_account=destination,
    )
    return order, payment


def _form(amount, *, reason="Two sessions not taken", key=None, **extra) -> dict:
    return {"amount": amount, "reason": reason, "key": key or new_token(), **extra}


def _url(payment) -> str:
    return f"/dashboard/payments/{payment.pk}/refund/"


def _stripe_refund(rsps, refund_id="re_1", amount=5000):
    rsps.post(f"{STRIPE_API}/v1/refunds", json={"id": refund_id, "object": "refund", "status": "succeeded",
                                                "amount": amount})


# -- through each provider -----------------------------------------------------------------------


def test_half_of_a_stripe_payment_goes_back_through_the_owners_connection(owner_client, owner):
    order, payment = _paid(owner, destination="acct_1Owner")
    key = new_token()
    with responses.RequestsMock() as rsps:
        _stripe_refund(rsps)
        response = owner_client.post(_url(payment), _form("50.00", key=key), follow=True)
        sent = rsps.calls[0].request
    form = {k: v[0] for k, v in parse_qs(sent.body).items()}
    assert form["amount"] == "5000" and form["payment_intent"] == "pi_test_1"
    assert form["reverse_transfer"] == "true"  # the connected account gives its part back
    assert sent.headers["Idempotency-Key"] == f"refund-{payment.pk}-{key}"
    assert form["metadata[refund_key]"] == f"refund-{payment.pk}-{key}"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.PARTLY_REFUNDED and payment.refunded_amount == Decimal("50.00")
    assert order.status == OrderStatus.ACTIVE  # a part: the order and its sessions stay
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.provider_reference, refund.created_by) == (
        Decimal("50.00"), "Two sessions not taken", "re_1", owner)
    page = response.content.decode()
    assert "50.00 USD was refunded through Stripe. 50.00 USD is left." in page
    assert "Partly refunded" in page


def test_a_part_in_a_zero_decimal_currency_is_sent_in_whole_yen(owner_client, owner):
    _, payment = _paid(owner, price="1500", currency="JPY")
    with responses.RequestsMock() as rsps:
        _stripe_refund(rsps, amount=500)
        owner_client.post(_url(payment), _form("500"))
        form = {k: v[0] for k, v in parse_qs(rsps.calls[0].request.body).items()}
    assert form["amount"] == "500"
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("500")


def test_a_part_in_kronur_is_sent_in_stripes_two_decimal_units(owner_client, owner):
    _, payment = _paid(owner, price="15000", currency="ISK")
    with responses.RequestsMock() as rsps:
        _stripe_refund(rsps, amount=500000)
        owner_client.post(_url(payment), _form("5000"))
        form = {k: v[0] for k, v in parse_qs(rsps.calls[0].request.body).items()}
    assert form["amount"] == "500000"
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("5000")


def test_a_paypal_part_is_a_capture_refund_with_an_amount(owner_client, owner):
    _, payment = _paid(owner, provider=Provider.PAYPAL)
    key = new_token()
    with responses.RequestsMock() as rsps:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v2/payments/captures/CAP123/refund", json={"id": "REF1", "status": "COMPLETED"})
        owner_client.post(_url(payment), _form("25.00", key=key))
        call = [c for c in rsps.calls if c.request.url.endswith("/refund")][0].request
    assert json.loads(call.body) == {"amount": {"currency_code": "USD", "value": "25.00"},
                                     "invoice_id": f"refund-{payment.pk}-{key}"}
    assert call.headers["PayPal-Request-Id"] == f"refund-{payment.pk}-{key}"
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTLY_REFUNDED, Decimal("25.00"))


def test_the_rest_after_a_part_refunds_the_order_in_full(owner_client, owner):
    order, payment = _paid(owner, provider=Provider.TEST)
    owner_client.post(_url(payment), _form("30.00"))
    owner_client.post(_url(payment), _form("70.00", reason="The rest"))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_amount == Decimal("100.00")
    assert order.status == OrderStatus.REFUNDED
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [Decimal("30.00"), Decimal("70.00")]


def test_a_full_refund_is_a_refund_row_too(owner_client, owner):
    order, payment = _paid(owner, provider=Provider.TEST)
    owner_client.post(f"/dashboard/payments/orders/{order.pk}/refund/")
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.idempotency_key) == (
        Decimal("100.00"), RefundStatus.SUCCEEDED, f"refund-{payment.pk}")
    payment.refresh_from_db()
    assert payment.refunded_amount == payment.amount and payment.status == PaymentStatus.REFUNDED


# -- once ----------------------------------------------------------------------------------------


def test_a_double_submit_refunds_once(owner_client, owner):
    _, payment = _paid(owner)
    body = _form("40.00")
    with responses.RequestsMock() as rsps:
        _stripe_refund(rsps, amount=4000)
        owner_client.post(_url(payment), body)
        owner_client.post(_url(payment), body)
        assert len(rsps.calls) == 1
    payment.refresh_from_db()
    assert Refund.objects.count() == 1 and payment.refunded_amount == Decimal("40.00")


def _charge_refunded(rsps, refunds, *, refunded=False):
    rsps.get(f"{STRIPE_API}/v1/charges/ch_1", json={
        "id": "ch_1", "object": "charge", "payment_intent": "pi_test_1", "currency": "usd", "refunded": refunded,
        "refunds": {"object": "list", "data": refunds},
    })


def test_stripes_charge_refunded_about_a_refund_made_here_counts_once(client, owner_client, owner):
    _, payment = _paid(owner)
    key = new_token()
    with responses.RequestsMock() as rsps:
        _stripe_refund(rsps)
        owner_client.post(_url(payment), _form("50.00", key=key))
    ours = {"id": "re_1", "object": "refund", "amount": 5000, "status": "succeeded",
            "metadata": {"refund_key": f"refund-{payment.pk}-{key}"}}
    with responses.RequestsMock() as rsps:
        _charge_refunded(rsps, [ours])
        _charge_refunded(rsps, [ours])
        event = {"id": "ch_1", "object": "charge"}
        assert post_stripe_event(client, stripe_event("evt_1", "charge.refunded", event)).status_code == 200
        assert post_stripe_event(client, stripe_event("evt_1", "charge.refunded", event)).status_code == 200  # replay
        assert post_stripe_event(client, stripe_event("evt_2", "charge.refunded", event)).status_code == 200
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("50.00") and Refund.objects.count() == 1


def test_a_webhook_before_the_app_records_its_refund_is_matched_by_our_key(client, owner):
    _, payment = _paid(owner)
    refund, _ = services.refund_reserve(payment=payment, amount=Decimal("50.00"), reason="Part",
                                        idempotency_key=f"refund-{payment.pk}-abc")
    with responses.RequestsMock() as rsps:
        _charge_refunded(rsps, [{"id": "re_1", "amount": 5000, "status": "succeeded",
                                 "metadata": {"refund_key": f"refund-{payment.pk}-abc"}}])
        post_stripe_event(client, stripe_event("evt_1", "charge.refunded", {"id": "ch_1", "object": "charge"}))
    services.refund_succeed(refund=refund, provider_reference="re_1")  # the app's own step 3, later
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("50.00") and Refund.objects.get().provider_reference == "re_1"


def test_a_part_refunded_in_stripes_dashboard_is_recorded(client, owner):
    order, payment = _paid(owner)
    with responses.RequestsMock() as rsps:
        _charge_refunded(rsps, [{"id": "re_9", "amount": 2000, "status": "succeeded", "metadata": {}}])
        post_stripe_event(client, stripe_event("evt_9", "charge.refunded", {"id": "ch_1", "object": "charge"}))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTLY_REFUNDED, Decimal("20.00"))
    assert order.status == OrderStatus.ACTIVE


def test_a_part_refunded_in_stripes_dashboard_is_recorded_though_stripe_lists_refunds_only_when_asked(
        client, owner):
    # Since API version 2022-11-15 a charge carries its refunds only when they are expanded.
    _, payment = _paid(owner)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_test_1", "currency": "usd",
              "refunded": False, "amount_refunded": 2000}
    refunds = {"object": "list", "data": [{"id": "re_9", "amount": 2000, "status": "succeeded", "metadata": {}}]}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{STRIPE_API}/v1/charges/ch_1", json={**charge, "refunds": refunds},
                 match=[responses.matchers.query_param_matcher(
                     {"expand[0]": "refunds", "expand[1]": "payment_intent"})])
        rsps.get(f"{STRIPE_API}/v1/charges/ch_1", json=charge)
        post_stripe_event(client, stripe_event("evt_9", "charge.refunded", {"id": "ch_1", "object": "charge"}))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PARTLY_REFUNDED and payment.refunded_amount == Decimal("20.00")
    assert Refund.objects.get().provider_reference == "re_9"


def test_a_part_refunded_in_stripes_dashboard_is_explained_to_a_german_client_in_german(
        client, owner, django_capture_on_commit_callbacks):
    """A refund made outside the app has no reason from the owner: the app gives its own words, in
    the language the client ordered in (the owner's own reasons stay as they wrote them), and the
    amounts are written for that language when the email is sent."""
    order, payment = _paid(owner)
    order.client_email, order.client_language = "greta@example.com", "de"
    order.save()
    with responses.RequestsMock() as rsps, django_capture_on_commit_callbacks(execute=True):
        _charge_refunded(rsps, [{"id": "re_9", "amount": 2000, "status": "succeeded", "metadata": {}}])
        post_stripe_event(client, stripe_event("evt_9", "charge.refunded", {"id": "ch_1", "object": "charge"}))

    [email] = [sent for sent in mail.outbox if sent.to == ["greta@example.com"]]
    for text in (email.body, email.alternatives[0][0]):
        words = " ".join(strip_tags(text).split())
        assert "Grund von Casey Coach: In Stripe erstattet." in words
        assert "Refunded in Stripe" not in words
        assert "20,00 $" in words and "80,00 $" in words and "USD" not in words  # the amounts written in German


def test_paypals_refund_webhook_about_a_refund_made_here_counts_once(client, owner_client, owner):
    _, payment = _paid(owner, provider=Provider.PAYPAL)
    key = new_token()
    with responses.RequestsMock() as rsps:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v2/payments/captures/CAP123/refund", json={"id": "REF1", "status": "COMPLETED"})
        owner_client.post(_url(payment), _form("25.00", key=key))
    event = {"id": "WH-r1", "event_type": "PAYMENT.CAPTURE.REFUNDED", "resource_type": "refund",
             "resource": {"id": "REF1", "status": "COMPLETED", "links": [
                 {"href": f"{PAYPAL_API}/v2/payments/captures/CAP123", "rel": "up", "method": "GET"}]}}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})
        rsps.get(f"{PAYPAL_API}/v2/payments/captures/CAP123", json={
            "id": "CAP123", "status": "PARTIALLY_REFUNDED", "custom_id": str(payment.pk),
            "amount": {"currency_code": "USD", "value": "100.00"}})
        rsps.get(f"{PAYPAL_API}/v2/payments/refunds/REF1", json={
            "id": "REF1", "status": "COMPLETED", "invoice_id": f"refund-{payment.pk}-{key}",
            "amount": {"currency_code": "USD", "value": "25.00"}})
        headers = {f"HTTP_{h.replace('-', '_')}": "x" for h in (
            "PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-TIME", "PAYPAL-TRANSMISSION-SIG", "PAYPAL-CERT-URL",
            "PAYPAL-AUTH-ALGO")}
        for event_id in ("WH-r1", "WH-r1", "WH-r2"):
            response = client.post("/payments/paypal/webhook/", data=json.dumps({**event, "id": event_id}),
                                   content_type="application/json", **headers)
            assert response.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTLY_REFUNDED, Decimal("25.00"))
    assert Refund.objects.count() == 1


# -- sessions --------------------------------------------------------------------------------------


def test_sessions_taken_off_are_recorded_in_the_ledger_as_refund(owner_client, owner):
    order, payment = _paid(owner, provider=Provider.TEST, sessions=4)
    item = order.items.get()
    owner_client.post(_url(payment), _form("50.00", sessions="remove", **{f"remove_{item.pk}": "2"}))
    entry = CreditLedgerEntry.objects.get(order_item=item, reason=LedgerReason.REFUND)
    assert entry.change == -2 and entry.created_by == owner
    assert entry.note == "Refund of 50.00 USD: Two sessions not taken"
    assert item_balance(item.pk) == 2
    assert Refund.objects.get().sessions_removed == 2


def test_kept_sessions_stay_on_the_order(owner_client, owner):
    order, payment = _paid(owner, provider=Provider.TEST, sessions=4)
    item = order.items.get()
    owner_client.post(_url(payment), _form("50.00", sessions="keep", **{f"remove_{item.pk}": "2"}))
    assert item_balance(item.pk) == 4
    assert not CreditLedgerEntry.objects.filter(reason=LedgerReason.REFUND).exists()


def test_the_form_says_how_many_sessions_can_be_taken_off_and_refuses_more(owner_client, owner):
    order, payment = _paid(owner, provider=Provider.TEST, sessions=3)
    item = order.items.get()
    page = owner_client.get(f"/dashboard/payments/{payment.pk}/").content.decode()
    assert "Up to 3: none is booked yet." in page
    response = owner_client.post(_url(payment), _form("50.00", sessions="remove", **{f"remove_{item.pk}": "4"}))
    assert response.status_code == 400
    assert "Only 3 can be taken off: the others are booked or used." in response.content.decode()
    assert not Refund.objects.exists() and item_balance(item.pk) == 3


def test_the_service_never_takes_off_what_is_booked(owner):
    order, payment = _paid(owner, provider=Provider.TEST, sessions=2)
    item = order.items.get()
    with pytest.raises(services.TooManySessionsToRemove, match="Only 2 can be taken off"):
        services.payment_refund(payment=payment, by_owner=owner, amount=Decimal("10"), reason="x",
                                idempotency_key="refund-x", sessions_to_remove={item.pk: 3})
    assert not Refund.objects.exists()


# -- bad input and faults ------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "message"), [
    ("100.01", "At most 100.00 USD is left to refund."),
    ("0", "Enter an amount above zero."),
    ("-5", "Enter a positive amount: what goes back to the client."),
    ("ten", "Enter the amount as a number, like 25.00."),
    ("", "Enter the amount to refund."),
    ("1.005", "USD allows at most 2 decimals."),
])
def test_bad_amounts_are_refused_beside_the_field_and_change_nothing(owner_client, owner, amount, message):
    _, payment = _paid(owner)
    with responses.RequestsMock():  # no call may reach Stripe
        response = owner_client.post(_url(payment), _form(amount))
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="id_amount"'):]
    assert message in errors[:errors.index("</div>") + 200]  # in the amount field's own block
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and not Refund.objects.exists()


def test_more_than_is_left_after_a_part_is_refused(owner_client, owner):
    _, payment = _paid(owner, provider=Provider.TEST)
    owner_client.post(_url(payment), _form("60.00"))
    response = owner_client.post(_url(payment), _form("50.00"))
    assert "At most 40.00 USD is left to refund." in response.content.decode()
    assert Refund.objects.count() == 1


def test_a_reason_is_required(owner_client, owner):
    _, payment = _paid(owner, provider=Provider.TEST)
    response = owner_client.post(_url(payment), _form("10.00", reason="  "))
    assert "Say why you refund this payment." in response.content.decode()
    assert not Refund.objects.exists()


@pytest.mark.parametrize("provider", [Provider.STRIPE, Provider.PAYPAL])
def test_an_unreachable_provider_gives_a_message_and_changes_nothing(owner_client, owner, provider):
    order, payment = _paid(owner, provider=provider, sessions=4)
    item = order.items.get()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_paypal_token(rsps)
        rsps.post(f"{STRIPE_API}/v1/refunds", body=requests.ConnectionError("unreachable"))
        rsps.post(f"{PAYPAL_API}/v2/payments/captures/CAP123/refund", body=requests.ConnectionError("unreachable"))
        response = owner_client.post(_url(payment), _form("50.00", sessions="remove", **{f"remove_{item.pk}": "1"}),
                                     follow=True)
    assert response.status_code == 200
    assert "Nothing was refunded:" in response.content.decode()
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.CONFIRMED, Decimal("0"))
    assert not Refund.objects.exists() and item_balance(item.pk) == 4


def test_another_owner_cannot_refund_a_part(other_owner_client, owner):
    _, payment = _paid(owner, provider=Provider.TEST)
    assert other_owner_client.post(_url(payment), _form("10.00")).status_code == 404
    assert not Refund.objects.exists()


# -- what shows it ---------------------------------------------------------------------------------


def test_the_payments_list_and_export_show_partly_refunded(owner_client, owner):
    _, payment = _paid(owner, provider=Provider.TEST)
    owner_client.post(_url(payment), _form("25.00"))
    page = owner_client.get("/dashboard/payments/").content.decode()
    assert "Partly refunded" in page and "−25.00 USD refunded" in page
    totals = {row["currency"]: row for row in owner_client.get("/dashboard/payments/").context["totals"]}
    assert (totals["USD"]["refunded"], totals["USD"]["net"]) == (Decimal("25.00"), Decimal("75.00"))
    day = timezone.localdate(timezone=zoneinfo.ZoneInfo(owner.timezone)).isoformat()  # the owner's today
    export = owner_client.get(f"/dashboard/payments/export.csv?date_from={day}&date_to={day}")
    text = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    header, row = text.splitlines()[0].split(","), text.splitlines()[1].split(",")
    assert row[header.index("Status")] == "Partly refunded"
    assert Decimal(row[header.index("Refunded amount")]) == Decimal("25.00")


def test_the_refunded_amount_is_the_sum_of_the_refunds(owner):
    _, payment = _paid(owner, provider=Provider.TEST)
    for n, amount in enumerate(["10.00", "15.50", "4.50"]):
        services.payment_refund(payment=payment, by_owner=owner, amount=Decimal(amount), reason="part",
                                idempotency_key=f"refund-{payment.pk}-{n}")
    services.payment_mark_refunded(payment_id=payment.pk, refund_reference="re_rest")  # the rest, at the provider
    payment.refresh_from_db()
    assert payment.refunded_amount == sum(Refund.objects.values_list("amount", flat=True)) == Decimal("100.00")
    assert Refund.objects.get(provider_reference="re_rest").amount == Decimal("70.00")


def test_payments_refunded_before_are_backfilled_with_one_refund(owner):
    from importlib import import_module

    order = make_order(owner, status=OrderStatus.REFUNDED)
    payment = make_payment(order, provider=Provider.STRIPE, status=PaymentStatus.REFUNDED, refund_reference="re_old",
                           refunded_at=timezone.now())
    import_module("payments.migrations.0007_refunds").backfill_refunds(django_apps, None)
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.provider_reference, refund.status) == (payment.amount, "re_old", "succeeded")
    assert Payment.objects.get(pk=payment.pk).refunded_amount == payment.amount


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_parallel_refunds_of_what_is_left_refund_once(owner):
    if not on_postgres():
        pytest.skip("needs PostgreSQL (row locks)")
    _, payment = _paid(owner, provider=Provider.TEST)

    done, refusals = race(2, lambda n: services.payment_refund(
        payment=Payment.objects.get(pk=payment.pk), by_owner=owner, amount=Decimal("100.00"), reason="All",
        idempotency_key=f"refund-{payment.pk}-{n}"), services.RefundAmountTooHigh)

    assert done == 1 and len(refusals) == 1 and "left to refund" in refusals[0]
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("100.00") and Refund.objects.count() == 1


def test_each_refund_issues_its_credit_note_once(owner_client, owner, settings):
    from invoices.models import CreditNote
    from invoices.tests.helpers import paid_order

    settings.TEST_PAYMENTS_ENABLED = True
    order, payment = paid_order(owner, price="120.00", provider=Provider.TEST)
    body = _form("40.00", reason="One session not taken")
    owner_client.post(_url(payment), body)
    owner_client.post(_url(payment), body)  # a double submit: one refund, one note
    owner_client.post(f"/dashboard/payments/orders/{order.pk}/refund/")  # the rest
    notes = list(CreditNote.objects.filter(payment=payment).order_by("sequence"))
    assert [(note.total, note.reason) for note in notes] == [
        (Decimal("40.00"), "One session not taken"), (Decimal("80.00"), "The order was refunded.")]
    assert {note.source_key for note in notes} == set(Refund.objects.values_list("idempotency_key", flat=True))
    assert all(note.invoice == payment.invoice for note in notes)
