"""Paid single sessions through Stripe, mocked at HTTP with real signatures: the checkout's
idempotency key, the webhook that confirms once however often it arrives, a late one, and Stripe
unreachable at checkout."""
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from requests.exceptions import ConnectionError as RequestsConnectionError

from notifications.models import Message, MessageKind
from payments.models import Payment, PaymentStatus, WebhookEvent
from payments.tests.helpers import (
    STRIPE_API,
    STRIPE_KEYS,
    mock_stripe_session,
    post_stripe_event,
    stripe_event,
    stripe_session,
)
from scheduling.holds import booking_hold
from scheduling.models import Booking, BookingStatus
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

pytestmark = pytest.mark.django_db
START = NOW.replace(hour=15)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)
    settings.TEST_PAYMENTS_ENABLED = False


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mocked:
        yield mocked


@pytest.fixture
def held(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Coaching session", slug="coaching", price=Decimal("90"),
                                     payment_medium="stripe")
    return booking_hold(meeting_type=meeting_type, start=START, client_name="Cleo Client",
                        client_email="cleo@example.com")


def start_checkout(client, rsps, booking) -> Payment:
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json={"id": "cs_session_1", "object": "checkout.session",
                                                          "url": "https://checkout.stripe.com/c/pay/cs_session_1"})
    response = client.post(f"/payments/session/{booking.token}/")
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_session_1"
    return Payment.objects.get(booking=booking)


def test_checkout_sends_the_session_with_an_idempotency_key_of_the_booking(client, rsps, held):
    payment = start_checkout(client, rsps, held)
    sent = rsps.calls[0].request
    form = {key: values[0] for key, values in parse_qs(sent.body).items()}
    assert sent.headers["Idempotency-Key"] == f"checkout-booking-{held.pk}"
    assert form["line_items[0][price_data][unit_amount]"] == "9000"
    assert form["line_items[0][price_data][product_data][name]"] == "Coaching session on 1 Dec 2026, 15:00 UTC"
    assert form["metadata[booking_id]"] == str(held.pk)
    assert form["customer_email"] == "cleo@example.com"
    assert payment.provider_reference == "cs_session_1"
    # A second click reuses the checkout: one call to Stripe.
    again = client.post(f"/payments/session/{held.token}/")
    assert again["Location"] == "https://checkout.stripe.com/c/pay/cs_session_1" and len(rsps.calls) == 1


def test_the_webhook_confirms_the_session_once_however_often_it_arrives(client, rsps, held):
    payment = start_checkout(client, rsps, held)
    mock_stripe_session(rsps, stripe_session(payment))
    completed = stripe_event("evt_paid_1", "checkout.session.completed", {"id": "cs_session_1"})

    assert post_stripe_event(client, completed).status_code == 200
    assert post_stripe_event(client, completed).content == b"Already processed."
    # Another event of the same session (Stripe sends several): read back, nothing moves again.
    succeeded = stripe_event("evt_paid_2", "checkout.session.async_payment_succeeded", {"id": "cs_session_1"})
    assert post_stripe_event(client, succeeded).status_code == 200

    held.refresh_from_db()
    payment.refresh_from_db()
    assert held.status == BookingStatus.CONFIRMED
    assert payment.status == PaymentStatus.CONFIRMED and payment.provider_payment_id == "pi_test_1"
    assert WebhookEvent.objects.filter(provider="stripe").count() == 2
    assert Message.objects.filter(booking=held, kind=MessageKind.BOOKING_CONFIRMED,
                                  recipient="cleo@example.com").count() == 1


def test_a_bad_signature_changes_nothing(client, rsps, held):
    payment = start_checkout(client, rsps, held)
    payload = stripe_event("evt_forged", "checkout.session.completed", {"id": "cs_session_1"})
    assert post_stripe_event(client, payload, signature="t=1,v1=forged").status_code == 400
    held.refresh_from_db()
    assert held.status == BookingStatus.HELD
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CREATED


def test_a_webhook_after_the_hold_ran_out_records_the_money_and_flags_it(client, rsps, held, frozen_time):
    payment = start_checkout(client, rsps, held)
    frozen_time.move_to(NOW + timedelta(minutes=30))
    mock_stripe_session(rsps, stripe_session(payment))
    post_stripe_event(client, stripe_event("evt_late", "checkout.session.completed", {"id": "cs_session_1"}))
    payment.refresh_from_db()
    held.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and payment.flagged
    assert held.status == BookingStatus.CANCELLED
    assert not Message.objects.filter(booking=held).exists()


@pytest.mark.parametrize("failure", ["error", "unreachable"])
def test_stripe_failing_at_checkout_says_so_and_releases_the_time(client, owner, rsps, held, failure):
    if failure == "error":
        rsps.post(f"{STRIPE_API}/v1/checkout/sessions", status=500, json={"error": {"message": "boom"}})
    else:
        rsps.post(f"{STRIPE_API}/v1/checkout/sessions", body=RequestsConnectionError("no route"))
    response = client.post(f"/payments/session/{held.token}/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stripe could not start the payment" in page
    assert "The time we held for you was released; nothing was charged." in page
    assert "Pick a time again" in page
    held.refresh_from_db()
    assert held.status == BookingStatus.CANCELLED
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 0


def test_stripe_failing_at_checkout_is_explained_in_the_pages_language(client, owner, rsps, held):
    owner.page_language = "de"
    owner.save(update_fields=["page_language"])
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", status=500, json={"error": {"message": "boom"}})

    page = client.post(f"/payments/session/{held.token}/", follow=True).content.decode()

    assert ("Stripe konnte die Zahlung nicht starten. Bitte versuchen Sie es gleich noch einmal. Die für Sie "
            "reservierte Zeit wurde freigegeben; es wurde nichts abgebucht.") in page
