"""Refunds: the owner refunds an order in full through its provider; the order becomes refunded,
its upcoming bookings are cancelled and the client is told."""
import json
from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from orders.models import OrderItem, OrderStatus
from payments.models import PaymentStatus, Provider
from payments.tests.helpers import PAYPAL_API, PAYPAL_KEYS, STRIPE_API, STRIPE_KEYS, make_payment, mock_paypal_token
from scheduling.models import Booking, BookingStatus
from tests import make_meeting_type, make_order, open_ledgers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys(settings):
    for name, value in {**STRIPE_KEYS, **PAYPAL_KEYS}.items():
        setattr(settings, name, value)


def _paid_order_with_bookings(owner, *, provider=Provider.STRIPE, destination=""):
    order = make_order(owner, status=OrderStatus.ACTIVE, medium=provider)
    meeting_type = make_meeting_type(owner)
    item = OrderItem.objects.create(order=order, meeting_type=meeting_type, meeting_type_name=meeting_type.name,
                                    duration_minutes=30, kind=meeting_type.kind, quantity=3)
    now = timezone.now()
    bookings = [
        Booking.objects.create(owner=owner, meeting_type=meeting_type, order_item=item, start=start,
                               end=start + timedelta(minutes=30), client_name="Cleo", client_email="cleo@example.com")
        for start in (now - timedelta(days=2), now + timedelta(days=2), now + timedelta(days=4))
    ]
    open_ledgers()
    payment = make_payment(order, provider=provider, status=PaymentStatus.CONFIRMED,
                           provider_payment_id="pi_test_1" if provider == Provider.STRIPE else "CAP123",
                           confirmed_at=now, destination_account=destination)
    return order, payment, bookings


def test_owner_refunds_a_stripe_order_from_its_page(owner_client, owner):
    order, payment, bookings = _paid_order_with_bookings(owner, destination="acct_1Owner")
    with responses.RequestsMock() as rsps, mock.patch("notifications.services.notify_order_cancelled") as told:
        rsps.post(f"{STRIPE_API}/v1/refunds", json={"id": "re_1", "object": "refund", "status": "succeeded"})
        response = owner_client.post(f"/dashboard/payments/orders/{order.pk}/refund/")
        sent = rsps.calls[0].request
    assert response.status_code == 302 and response["Location"] == f"/dashboard/orders/{order.pk}/"
    assert sent.headers["Idempotency-Key"] == f"refund-{payment.pk}"
    form = {k: v[0] for k, v in parse_qs(sent.body).items()}
    assert form["payment_intent"] == "pi_test_1"
    assert form["reverse_transfer"] == "true"  # the connected account gives the money back
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_reference == "re_1"
    assert order.status == OrderStatus.REFUNDED
    statuses = [Booking.objects.get(pk=b.pk).status for b in bookings]
    assert statuses == [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.CANCELLED]
    told.assert_called_once()


def test_owner_refunds_a_paypal_order_through_the_captures_refund_call(owner_client, owner):
    order, payment, _ = _paid_order_with_bookings(owner, provider=Provider.PAYPAL)
    with responses.RequestsMock() as rsps:
        mock_paypal_token(rsps)
        rsps.post(f"{PAYPAL_API}/v2/payments/captures/CAP123/refund", json={"id": "REF1", "status": "COMPLETED"})
        owner_client.post(f"/dashboard/payments/{payment.pk}/refund/")
        refund_call = [c for c in rsps.calls if c.request.url.endswith("/refund")][0].request
    assert refund_call.headers["PayPal-Request-Id"] == f"refund-{payment.pk}"
    assert json.loads(refund_call.body) == {"invoice_id": f"refund-{payment.pk}"}
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and order.status == OrderStatus.REFUNDED


def test_a_second_refund_click_does_not_call_the_provider_again(owner_client, owner):
    order, payment, _ = _paid_order_with_bookings(owner)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{STRIPE_API}/v1/refunds", json={"id": "re_1", "status": "succeeded"})
        owner_client.post(f"/dashboard/payments/{payment.pk}/refund/")
        owner_client.post(f"/dashboard/payments/{payment.pk}/refund/")
        assert len(rsps.calls) == 1


def test_a_refused_refund_changes_nothing_and_says_why(owner_client, owner):
    order, payment, bookings = _paid_order_with_bookings(owner)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{STRIPE_API}/v1/refunds", status=400, json={"error": {"message": "charge already refunded", "type": "invalid_request_error"}})
        response = owner_client.post(f"/dashboard/payments/{payment.pk}/refund/", follow=True)
    assert "Stripe could not refund this payment" in response.content.decode()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and order.status == OrderStatus.ACTIVE
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).count() == 0


def test_a_flagged_payment_for_a_cancelled_order_is_refunded_without_touching_the_order(owner_client, owner, settings):
    order = make_order(owner, status=OrderStatus.EXPIRED)
    payment = make_payment(order, provider=Provider.TEST, status=PaymentStatus.CONFIRMED, flagged=True,
                           flag_reason="Paid after the order was cancelled or expired — refund it.")
    owner_client.post(f"/dashboard/payments/{payment.pk}/refund/")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert order.status == OrderStatus.EXPIRED


def test_another_owner_cannot_refund(other_owner_client, owner):
    order, payment, _ = _paid_order_with_bookings(owner)
    assert other_owner_client.post(f"/dashboard/payments/{payment.pk}/refund/").status_code == 404
    assert other_owner_client.post(f"/dashboard/payments/orders/{order.pk}/refund/").status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED


def test_refund_needs_post(owner_client, owner):
    order, payment, _ = _paid_order_with_bookings(owner)
    assert owner_client.get(f"/dashboard/payments/{payment.pk}/refund/").status_code == 405


def test_an_unpaid_order_has_nothing_to_refund(owner_client, owner):
    order = make_order(owner)
    response = owner_client.post(f"/dashboard/payments/orders/{order.pk}/refund/", follow=True)
    assert "no payment that can be refunded" in response.content.decode()


def test_the_order_page_refund_box_shows_for_a_paid_order_only(rf, owner):
    from payments.receivers import order_page_parts

    order, payment, _ = _paid_order_with_bookings(owner)
    html = order_page_parts(request=rf.get("/"), order=order)["refund"]
    assert f'action="/dashboard/payments/orders/{order.pk}/refund/"' in html
    assert ">Refund 100.00 USD through Stripe</button>" in html and "data-confirm" in html
    assert "refund" not in order_page_parts(request=rf.get("/"), order=make_order(owner))


def test_the_owner_order_page_shows_the_refund_box(owner_client, owner):
    order, payment, _ = _paid_order_with_bookings(owner)
    html = owner_client.get(f"/dashboard/orders/{order.pk}/").content.decode()
    assert f'action="/dashboard/payments/orders/{order.pk}/refund/"' in html
