"""A paid session's hold and its confirmation (what `make bench` times as "paid booking") run the
same number of queries however many bookings the owner has."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from payments.models import Payment
from payments.providers.base import get_provider
from scheduling.holds import booking_hold
from scheduling.models import BookingStatus
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_booking, make_meeting_type, set_weekly_hours


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def test_provider_only(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


@pytest.mark.parametrize("existing", [2, 12])
def test_a_paid_booking_holds_and_confirms_in_a_fixed_number_of_queries(owner, existing, django_assert_num_queries):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    paid = make_meeting_type(owner, name="Coaching session", slug="coaching", price=Decimal("90"), currency="USD",
                             payment_medium="stripe")
    for n in range(existing):  # the same day and the days after: in the slot check's window or not
        make_booking(paid, NINE_AM + timedelta(days=n // 4, hours=1 + n % 4), client_email=f"b{n}@example.com")

    with django_assert_num_queries(HOLD):
        booking = booking_hold(meeting_type=paid, start=NINE_AM, client_name="Cleo", client_email="cleo@example.com")
    payment = Payment.objects.get(booking=booking)
    with django_assert_num_queries(CONFIRM - NUMBER_IN_THE_INSERT - REMINDERS_WITH_MESSAGES):
        get_provider("test").pay(payment)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


# The hold: the owner lock with the meeting type and whether the owner has a hold past its time, the
# slot check (one query), the booking, the owner's tax terms, its payment;
# the confirmation: the payment and booking locks, the booking confirmed, its reminders and its messages (one INSERT
# each), the invoice
# (its number taken in one statement, no savepoint).
# The hold's new booking adds itself to the client's row of the Clients table (1 query:
# clients.upkeep.client_booking_added); in the confirmation, each save of the booking and of the paid
# payment recomputes that row (4 queries each).
HOLD, CONFIRM = 8, 32
# On PostgreSQL an invoice's number is taken in its own INSERT (invoices.services._insert_numbered).
NUMBER_IN_THE_INSERT = 1 if connection.vendor == "postgresql" else 0
# And the confirmed booking's reminders and messages are sent in one execute
# (leadmonk.raw_rows.insert_together).
REMINDERS_WITH_MESSAGES = 1 if connection.vendor == "postgresql" else 0
