"""Holds of paid single sessions under concurrent requests (PostgreSQL, real threads): one time,
one hold; and a hold racing the task that releases it ends one way only."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from payments.models import Payment, PaymentStatus, Provider
from payments.providers.base import get_provider
from scheduling.holds import booking_hold, holds_release_expired
from scheduling.models import Booking, BookingStatus
from scheduling.services import BookingError
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_meeting_type, make_owner, race, set_weekly_hours


@pytest.fixture(autouse=True)
def test_provider_only(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def paid_type():
    owner = make_owner(email="racer@example.com", slug="racer")
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, price=Decimal("90"), payment_medium="stripe")


def hold(meeting_type, index: int):
    return booking_hold(meeting_type=meeting_type, start=NINE_AM, client_name=f"Client {index}",
                        client_email=f"client{index}@example.com", now=NOW)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_clients_holding_one_time_get_one_hold():
    meeting_type = paid_type()
    held, refusals = race(10, lambda i: hold(meeting_type, i), BookingError)
    assert held == 1
    assert refusals == ["That time was just taken. Please pick another time."] * 9
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1
    assert Payment.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_release_of_its_expired_hold_is_flagged_never_booked():
    meeting_type = paid_type()
    booking = hold(meeting_type, 0)
    payment = Payment.objects.get(booking=booking)
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        race(2, lambda i: holds_release_expired() if i else get_provider(Provider.TEST).pay(payment), BookingError)
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert payment.status == PaymentStatus.CONFIRMED and payment.flagged


@pytest.mark.django_db
def test_a_time_whose_hold_ran_out_can_be_booked_and_the_hold_is_released_first():
    # On PostgreSQL the no-overlap constraint covers holds too: the stale hold must be gone first.
    from scheduling.services import booking_create

    meeting_type = paid_type()
    stale = hold(meeting_type, 0)
    free_type = make_meeting_type(meeting_type.owner)
    later = NOW + timedelta(minutes=16)
    booking = booking_create(meeting_type=free_type, start=NINE_AM, client_name="Next", client_email="n@example.com",
                             now=later)
    stale.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert stale.status == BookingStatus.CANCELLED
    assert Payment.objects.get(booking=stale).status == PaymentStatus.CANCELED
