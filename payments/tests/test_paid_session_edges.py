"""Paid single sessions at their edges: a session a promo code made free, cancelled through a real
provider; a hold cancelled from its booking link before it was paid."""
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Message
from payments.models import Payment, PaymentStatus
from payments.tests.helpers import STRIPE_KEYS
from promotions.models import PromoCode
from scheduling.models import Booking, BookingStatus
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

pytestmark = pytest.mark.django_db

START = "2026-12-03T15:00:00Z"  # two days from now: outside any window below


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def paid_type(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Coaching session", slug="coaching", price=Decimal("90"), currency="USD",
                             payment_medium="stripe", cancel_window_hours=24)


def held(client, owner, meeting_type) -> Booking:
    client.post(reverse("public:book_meeting", args=[owner.slug, meeting_type.slug]),
                {"client_name": "Cleo Client", "client_email": "cleo@example.com", "client_phone": "",
                 "client_timezone": "Europe/Berlin", "start": START})
    return Booking.objects.get(client_email="cleo@example.com", status=BookingStatus.HELD)


def test_a_session_a_code_made_free_is_cancelled_without_asking_stripe_and_the_use_comes_back(
        client, owner, paid_type, settings, django_capture_on_commit_callbacks):
    for name, value in STRIPE_KEYS.items():
        setattr(settings, name, value)
    settings.TEST_PAYMENTS_ENABLED = False
    code = PromoCode.objects.create(owner=owner, code="FREE", value=Decimal("100"), max_uses=1)
    booking = held(client, owner, paid_type)
    payment = Payment.objects.get(booking=booking)
    assert payment.provider == "stripe"
    client.post(f"/payments/session/{booking.token}/", {"promo_code": "FREE"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    # Outside the window: "refunded in full", which for nothing paid is nothing to send to Stripe
    # (no charge there: a refund call fails and would flag the payment for a refund of 0).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bookings/{booking.token}/cancel/", {"reason": "Something came up"})

    payment.refresh_from_db()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert not payment.flagged, payment.flag_reason
    assert payment.status == PaymentStatus.REFUNDED
    assert code.redemptions.get().released_at is not None


def test_cancelling_a_hold_from_its_link_releases_it_and_tells_nobody(
        client, owner, paid_type, settings, django_capture_on_commit_callbacks):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True
    code = PromoCode.objects.create(owner=owner, code="SESSION10", value=Decimal("10"), max_uses=1)
    booking = held(client, owner, paid_type)
    client.post(f"/payments/session/{booking.token}/", {"promo_code": "SESSION10"})  # at the provider now
    payment = Payment.objects.get(booking=booking)
    assert code.redemptions.get().released_at is None

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bookings/{booking.token}/cancel/", {"reason": "Changed my mind"})

    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    # Nobody was told of the hold, so nobody is told it ended (scheduling.holds).
    assert not Message.objects.filter(booking=booking).exists()
    # Its payment is closed and its code's use given back, as when a hold runs out.
    assert payment.status == PaymentStatus.CANCELED
    assert code.redemptions.get().released_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_cancel_of_its_hold_is_confirmed_or_flagged_never_kept_unbooked(
        client, owner, paid_type, settings):
    from payments.services import payment_confirm
    from scheduling.models import BookedBy
    from scheduling.services import BookingError, booking_cancel
    from tests import race

    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True
    booking = held(client, owner, paid_type)
    payment = Payment.objects.get(booking=booking)

    def attempt(n: int) -> None:
        if n == 0:
            payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
        else:
            booking_cancel(booking=Booking.objects.get(pk=booking.pk), by=BookedBy.CLIENT, reason="")

    race(2, attempt, BookingError)

    booking.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status in (PaymentStatus.CONFIRMED, PaymentStatus.REFUNDED)
    # The money is either the session's (confirmed, or cancelled after and refunded: outside the
    # window) or flagged for a refund: never kept for a session that is not happening unflagged.
    if booking.status == BookingStatus.CANCELLED and payment.status == PaymentStatus.CONFIRMED:
        assert payment.flagged


def test_the_owner_cancelling_a_hold_is_told_it_was_released_not_that_the_client_was_told(
        client, owner, paid_type, settings, django_capture_on_commit_callbacks):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True
    booking = held(client, owner, paid_type)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/dashboard/bookings/{booking.pk}/cancel/", {"reason": "Never paid"},
                           follow=True).content.decode()

    assert "The unpaid hold was released." in page
    assert "has been told" not in page
    assert not Message.objects.filter(booking=booking).exists()
