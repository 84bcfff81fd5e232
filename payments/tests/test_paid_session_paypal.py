"""Paid single sessions through PayPal, mocked at HTTP: the order names the session and carries
the booking's request id; the client's return captures it and confirms the booking."""
import json
from decimal import Decimal

import pytest
import responses
import time_machine

from payments.models import Payment, PaymentStatus
from payments.tests.helpers import PAYPAL_API, PAYPAL_KEYS, mock_paypal_token, paypal_capture, paypal_order
from scheduling.holds import booking_hold
from scheduling.models import BookingStatus
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup(settings):
    for name, value in PAYPAL_KEYS.items():
        setattr(settings, name, value)
    settings.TEST_PAYMENTS_ENABLED = False
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mock_paypal_token(mocked)
        yield mocked


def test_a_session_paid_with_paypal_is_confirmed_on_the_clients_return(client, owner, rsps):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Coaching session", price=Decimal("90"), payment_medium="paypal")
    booking = booking_hold(meeting_type=meeting_type, start=NOW.replace(hour=15), client_name="Cleo Client",
                           client_email="cleo@example.com")
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders", json={
        "id": "5O190127TN364715T", "status": "PAYER_ACTION_REQUIRED",
        "links": [{"href": "https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T",
                   "rel": "payer-action"}],
    })
    response = client.post(f"/payments/session/{booking.token}/")
    assert response["Location"] == "https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T"
    sent = next(call.request for call in rsps.calls if call.request.url.endswith("/v2/checkout/orders"))
    assert sent.headers["PayPal-Request-Id"] == f"checkout-booking-{booking.pk}"
    unit = json.loads(sent.body)["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "USD", "value": "90.00"}
    assert unit["reference_id"] == f"booking-{booking.pk}"
    assert unit["description"] == "Coaching session on 1 Dec 2026, 15:00 UTC"

    payment = Payment.objects.get(booking=booking)
    rsps.post(f"{PAYPAL_API}/v2/checkout/orders/5O190127TN364715T/capture",
              json=paypal_order(payment, paypal_capture(payment, status="COMPLETED")))
    back = client.get(f"/payments/return/{payment.token}/?token=5O190127TN364715T&PayerID=X")

    assert back["Location"] == f"/bookings/{booking.token}/?booked=1"
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and booking.status == BookingStatus.CONFIRMED
