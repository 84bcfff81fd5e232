"""Cancelling a paid order settles the money question: the owner's cancel form offers "Refund the
payment" (a full refund through the provider, the idempotent refund path); a cancelled payment kept
is flagged "Needs refund" on Payments until it is refunded or marked refunded outside the app; and
the client's page of a cancelled order shows no remaining credits and whether it was refunded."""
from datetime import timedelta
from unittest import mock

import pytest
import responses
from django.utils import timezone

from orders.models import OrderItem, OrderStatus
from payments.models import Payment, PaymentStatus, Provider
from payments.tests.helpers import STRIPE_API, STRIPE_KEYS, make_payment
from scheduling.models import Booking, BookingStatus
from tests import make_meeting_type, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys(settings):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)


def paid_order(owner, *, provider=Provider.STRIPE):
    order = make_order(owner, status=OrderStatus.ACTIVE, medium="stripe", paid_at=timezone.now(),
                       paid_with=Provider(provider).label)
    meeting_type = make_meeting_type(owner, name="Coaching session")
    item = OrderItem.objects.create(order=order, meeting_type=meeting_type, meeting_type_name="Coaching session",
                                    duration_minutes=30, kind=meeting_type.kind, quantity=3)
    start = timezone.now() + timedelta(days=2)
    booking = Booking.objects.create(owner=owner, meeting_type=meeting_type, order_item=item, start=start,
                                     end=start + timedelta(minutes=30), client_name="Cleo",
                                     client_email="cleo@example.com")
    payment = make_payment(order, provider=provider, status=PaymentStatus.CONFIRMED, provider_payment_id="pi_test_1",
                           confirmed_at=timezone.now())
    return order, payment, booking


def order_page(owner_client, order) -> str:
    return owner_client.get(f"/dashboard/orders/{order.pk}/").content.decode()


def test_the_owners_cancel_form_offers_to_refund_the_payment(owner_client, owner):
    order, _, _ = paid_order(owner)
    html = order_page(owner_client, order)
    assert f'action="/dashboard/payments/orders/{order.pk}/cancel/"' in html
    assert "Refund the payment (100.00 USD through Stripe)" in html
    assert 'name="refund"' in html and "Reason (sent to the client)" in html


def test_a_free_order_is_cancelled_without_a_refund_offer(owner_client, owner):
    order = make_order(owner, price="0", medium="", status=OrderStatus.ACTIVE)
    html = order_page(owner_client, order)
    assert 'name="refund"' not in html and f'action="/dashboard/orders/{order.pk}/cancel/"' in html


def test_cancel_and_refund_refunds_in_full_through_the_provider(owner_client, owner):
    order, payment, booking = paid_order(owner)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{STRIPE_API}/v1/refunds", json={"id": "re_1", "object": "refund", "status": "succeeded"})
        response = owner_client.post(f"/dashboard/payments/orders/{order.pk}/cancel/",
                                     {"reason": "Moving abroad", "refund": "on"}, follow=True)
        assert rsps.calls[0].request.headers["Idempotency-Key"] == f"refund-{payment.pk}"
    assert "cancelled and the payment refunded in full" in response.content.decode()
    payment.refresh_from_db()
    order.refresh_from_db()
    booking.refresh_from_db()
    assert (payment.status, payment.refund_reference) == (PaymentStatus.REFUNDED, "re_1")
    assert (order.status, order.cancel_reason) == (OrderStatus.REFUNDED, "Moving abroad")
    assert booking.status == BookingStatus.CANCELLED
    assert "Needs refund" not in owner_client.get("/dashboard/payments/").content.decode()


def test_a_refund_that_fails_leaves_the_order_cancelled_and_says_so(owner_client, owner):
    order, payment, _ = paid_order(owner)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{STRIPE_API}/v1/refunds", status=500, json={"error": {"message": "boom"}})
        response = owner_client.post(f"/dashboard/payments/orders/{order.pk}/cancel/",
                                     {"reason": "", "refund": "on"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "the refund did not go through" in html
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and payment.status == PaymentStatus.CONFIRMED
    assert "Needs refund" in html  # the order page's refund box


def test_cancel_without_refund_is_flagged_until_marked_refunded_outside_the_app(owner_client, owner):
    order, payment, _ = paid_order(owner)
    with mock.patch("payments.providers.stripe.provider.StripeProvider.refund") as refund:
        owner_client.post(f"/dashboard/payments/orders/{order.pk}/cancel/", {"reason": "No longer needed"})
    refund.assert_not_called()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED

    payments_page = owner_client.get("/dashboard/payments/").content.decode()
    assert "1 cancelled order still has its payment." in payments_page
    assert "⚠ Needs refund: order cancelled" in payments_page
    detail = owner_client.get(f"/dashboard/payments/{payment.pk}/").content.decode()
    assert "Needs refund." in detail and "Mark refunded outside the app" in detail
    assert "Not refunded" in order_page(owner_client, order)

    with mock.patch("payments.providers.stripe.provider.StripeProvider.refund") as refund:
        response = owner_client.post(f"/dashboard/payments/{payment.pk}/refunded-outside/", follow=True)
    refund.assert_not_called()
    assert "marked as refunded outside the app" in response.content.decode()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.refunded_outside) == (PaymentStatus.REFUNDED, True)
    assert order.status == OrderStatus.REFUNDED
    payments_page = owner_client.get("/dashboard/payments/").content.decode()
    assert "Needs refund" not in payments_page and "Refunded outside the app" in payments_page
    # A second click changes nothing.
    owner_client.post(f"/dashboard/payments/{payment.pk}/refunded-outside/")
    assert Payment.objects.get(pk=payment.pk).refunded_outside


def test_another_owner_cannot_cancel_or_mark_refunded(other_owner_client, owner):
    order, payment, _ = paid_order(owner)
    assert other_owner_client.post(f"/dashboard/payments/orders/{order.pk}/cancel/", {"refund": "on"}).status_code == 404
    assert other_owner_client.post(f"/dashboard/payments/{payment.pk}/refunded-outside/").status_code == 404
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE and payment.status == PaymentStatus.CONFIRMED


def test_the_clients_page_of_a_cancelled_paid_order_shows_no_credits_and_the_refund_state(client, owner_client, owner):
    order, payment, _ = paid_order(owner)
    owner_client.post(f"/dashboard/payments/orders/{order.pk}/cancel/", {"reason": "Moving abroad"})
    html = client.get(f"/orders/{order.token}/").content.decode()
    assert "3 remaining" not in html and "None remaining: order cancelled" in html
    assert "cancelling gives it back" not in html
    assert "All sessions used" not in html and "Used 0 of 3" in html
    assert "Not refunded" in html and "Why cancelled" in html and "Moving abroad" in html

    owner_client.post(f"/dashboard/payments/{payment.pk}/refunded-outside/")
    html = client.get(f"/orders/{order.token}/").content.decode()
    assert "Refunded to you" in html and "Not refunded" not in html
    assert "None remaining: order refunded" in html


@pytest.mark.parametrize("extra_bookings", [0, 4])
def test_the_paid_order_page_with_its_refund_and_cancel_forms_has_a_fixed_query_budget(
        owner_client, owner, django_assert_num_queries, extra_bookings):
    order, _, booking = paid_order(owner)
    for n in range(extra_bookings):
        start = booking.start + timedelta(hours=n + 1)
        Booking.objects.create(owner=owner, meeting_type=booking.meeting_type, order_item=booking.order_item,
                               start=start, end=start + timedelta(minutes=30), client_name="Cleo",
                               client_email="cleo@example.com")
    # user, order + owner, items, bookings, credit ledger; the refund box and the cancel form: one
    # refundable payment for both (payments.receivers.order_page_parts); the order's invoices and
    # credit notes (invoices.receivers)
    with django_assert_num_queries(7):
        response = owner_client.get(f"/dashboard/orders/{order.pk}/")
    html = response.content.decode()
    assert f'action="/dashboard/payments/orders/{order.pk}/refund/"' in html
    assert f'action="/dashboard/payments/orders/{order.pk}/cancel/"' in html
