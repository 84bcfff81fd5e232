"""The dashboard's dates are the owner's days: an order placed, a payment taken or a session booked
at 03:00 UTC on 2 December is, for an owner in Los Angeles, 1 December (19:00), as the order's own
page already said. The lists (orders, payments), the booking's page, the refund box, a payment's
page, the plan page and its banner, the attendance form and a team's invitations agree."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Subscription, User
from orders.models import OrderStatus, PackageOrder
from payments.models import Payment, PaymentStatus
from scheduling.models import Booking
from teams.models import Invitation
from tests import make_booking, make_meeting_type, make_order, make_owner, make_package, make_team

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

    assert "1 Dec 2026, 7:00 PM" in html and "2 Dec 2026" not in html


@pytest.mark.parametrize(("browser_language", "remembered_clock", "shown"), [
    ("en-US,en;q=0.9", None, "1 Dec 2026, 7:00 PM"),
    ("en-GB,en;q=0.9", None, "1 Dec 2026, 19:00"),
    ("de-DE,de;q=0.9", None, "1 Dec 2026, 19:00"),
    ("en-US,en;q=0.9", "24", "1 Dec 2026, 19:00"),
    ("de-DE,de;q=0.9", "12", "1 Dec 2026, 7:00 PM"),
])
def test_dashboard_times_follow_the_owners_clock_like_the_booking_pages(
        dashboard, paid_order, browser_language, remembered_clock, shown):
    if remembered_clock:
        dashboard.cookies["clock"] = remembered_clock
    payment = paid_order.payments.get()

    pages = [dashboard.get(url, HTTP_ACCEPT_LANGUAGE=browser_language).content.decode()
             for url in ("/dashboard/payments/", f"/dashboard/payments/{payment.pk}/")]

    assert all(shown in page for page in pages)


def test_the_refund_box_says_the_owners_day(dashboard, paid_order):
    html = dashboard.get(f"/dashboard/orders/{paid_order.pk}/").content.decode()

    assert "through Stripe on 1 Dec 2026." in html  # one date format on every page (issue 29, item 4)


def test_a_bookings_page_says_the_owners_day_it_was_booked(dashboard, owner_in_los_angeles):
    booking = make_booking(make_meeting_type(owner_in_los_angeles), datetime(2026, 12, 10, 18, tzinfo=UTC))
    Booking.objects.filter(pk=booking.pk).update(created_at=EVENING_IN_LOS_ANGELES)

    html = dashboard.get(f"/dashboard/bookings/{booking.pk}/").content.decode()

    assert "· 1 Dec 2026</dd>" in html


def test_a_payments_page_gives_its_times_in_the_owners_zone(dashboard, paid_order):
    payment = paid_order.payments.get()
    Payment.objects.filter(pk=payment.pk).update(refunded_at=EVENING_IN_LOS_ANGELES)

    html = dashboard.get(f"/dashboard/payments/{payment.pk}/").content.decode()

    assert "1 Dec 2026, 7:00 PM" in html and "2 Dec 2026" not in html and "UTC" not in html
    assert "America/Los Angeles" in html


def test_the_plan_page_says_the_owners_day(dashboard, owner_in_los_angeles):
    Subscription.objects.create(owner=owner_in_los_angeles, plan="team", interval="month", status="active",
                                stripe_customer_id="cus_1", current_period_end=EVENING_IN_LOS_ANGELES)

    html = dashboard.get("/dashboard/settings/plan/").content.decode()

    assert "Renews on 1 December 2026." in html


def test_the_failed_payment_banner_says_the_owners_day(dashboard, owner_in_los_angeles):
    User.objects.filter(pk=owner_in_los_angeles.pk).update(plan_grace_until=EVENING_IN_LOS_ANGELES)

    html = dashboard.get("/dashboard/").content.decode()

    assert "by 1 December 2026 to keep" in html


def test_the_attendance_form_names_the_session_in_the_owners_zone(dashboard, owner_in_los_angeles):
    # A session that started at 03:00 UTC ten days ago began the evening before in Los Angeles.
    start = (timezone.now() - timedelta(days=10)).replace(hour=3, minute=0, second=0, microsecond=0)
    booking = make_booking(make_meeting_type(owner_in_los_angeles), start)
    local = start.astimezone(ZoneInfo("America/Los_Angeles"))

    html = dashboard.get(f"/dashboard/bookings/{booking.pk}/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()

    # On the owner's clock, as every other time on the dashboard (24-hour for en-GB).
    assert f'aria-label="Attendance of the session at {local.day} {local:%b}, {local:%H}:00"' in html


def test_a_teams_invitation_says_the_owners_day_it_was_sent(dashboard, owner_in_los_angeles):
    team = make_team(owner_in_los_angeles)
    invitation = Invitation.objects.create(team=team, email="sam@example.com", invited_by=owner_in_los_angeles)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=EVENING_IN_LOS_ANGELES)

    html = dashboard.get(f"/dashboard/teams/{team.pk}/").content.decode()

    assert "sent 1 Dec 2026" in html
