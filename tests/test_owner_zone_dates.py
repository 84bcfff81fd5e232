"""The dashboard's dates are the owner's days: an order placed, a payment taken or a session booked
at 03:00 UTC on 2 December is, for an owner in Los Angeles, 1 December (19:00), as the order's own
page already said. The lists (orders, payments), the booking's page and the refund box agree."""
from datetime import UTC, datetime

import pytest
from django.test import Client

from leadmonk.testing import make_booking, make_meeting_type, make_order, make_owner, make_package
from orders.models import OrderStatus, PackageOrder
from payments.models import Payment, PaymentStatus
from scheduling.models import Booking

EVENING_IN_LOS_ANGELES = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # Tue 1 Dec 2026, 19:00 in Los Angeles


@pytest.fixture
def owner_in_los_angeles(db):
    return make_owner(timezone="America/Los_Angeles")


@pytest.fixture
def dashboard(owner_in_los_angeles):
    client = Client()
    client.force_login(owner_in_los_angeles)
    return client


@pytest.fixture
def paid_order(owner_in_los_angeles):
    order = make_order(make_package(owner_in_los_angeles), status=OrderStatus.ACTIVE, payment_medium="stripe",
                       paid_at=EVENING_IN_LOS_ANGELES, paid_with="stripe")
    PackageOrder.objects.filter(pk=order.pk).update(created_at=EVENING_IN_LOS_ANGELES)
    payment = Payment.objects.create(order=order, provider="stripe", status=PaymentStatus.CONFIRMED,
                                     amount=order.price, currency=order.currency, provider_reference="cs_1",
                                     confirmed_at=EVENING_IN_LOS_ANGELES)
    Payment.objects.filter(pk=payment.pk).update(created_at=EVENING_IN_LOS_ANGELES)
    return order


def test_the_orders_list_shows_the_day_the_owner_was_in(dashboard, paid_order):
    html = dashboard.get("/dashboard/orders/").content.decode()

    assert ">1 Dec 2026<" in html and "2 Dec 2026" not in html


def test_the_payments_list_shows_the_owners_time(dashboard, paid_order):
    html = dashboard.get("/dashboard/payments/").content.decode()

    assert "Dec 1, 2026 19:00" in html and "Dec 2, 2026" not in html


def test_the_refund_box_says_the_owners_day(dashboard, paid_order):
    html = dashboard.get(f"/dashboard/orders/{paid_order.pk}/").content.decode()

    assert "through Stripe on Dec 1, 2026." in html


def test_a_bookings_page_says_the_owners_day_it_was_booked(dashboard, owner_in_los_angeles):
    booking = make_booking(make_meeting_type(owner_in_los_angeles), datetime(2026, 12, 10, 18, tzinfo=UTC))
    Booking.objects.filter(pk=booking.pk).update(created_at=EVENING_IN_LOS_ANGELES)

    html = dashboard.get(f"/dashboard/bookings/{booking.pk}/").content.decode()

    assert "· 1 Dec 2026</dd>" in html
