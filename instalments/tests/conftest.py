"""Shared setup of the payment plan tests: a frozen clock, the test provider on (no keys), an owner
open every day 9:00-17:00 (New York) and a package of 6 coaching sessions for 100.00 USD in 3
monthly payments, and helpers that order and pay the way a client does."""
from datetime import time
from decimal import Decimal

import pytest
import time_machine

from orders.services import order_create
from packages.payment_plans import InstalmentAccess, InstalmentInterval
from payments.models import Payment, Provider
from payments.providers.base import get_provider
from payments.services import payment_start
from tests import NOW, make_meeting_type, make_package, set_weekly_hours


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def test_provider_only(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


@pytest.fixture
def coaching(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(7)})
    return make_meeting_type(owner, name="Coaching", slug="coaching", duration_minutes=60)


def plan_package(owner, coaching, *, count=3, interval=InstalmentInterval.MONTH, access=InstalmentAccess.AS_PAID,
                 price="100.00", sessions=6):
    return make_package(owner, items=[(coaching, sessions)], name="Programme", slug="programme",
                        price=Decimal(price), instalment_count=count, instalment_interval=interval,
                        instalment_access=access)


@pytest.fixture
def package(owner, coaching):
    return plan_package(owner, coaching)


def place(package, email="cleo@example.com"):
    return order_create(package=package, client_name="Cleo Client", client_email=email,
                        client_timezone="America/New_York")


def pay_checkout(order) -> Payment:
    """The client's checkout through the test provider, "Pay" pressed."""
    payment = payment_start(order=order, provider=Provider.TEST)
    return get_provider(Provider.TEST).pay(payment)


def ordered_and_paid(package, email="cleo@example.com"):
    order = place(package, email)
    pay_checkout(order)
    order.refresh_from_db()
    return order


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """Run `action(**kwargs)` and deliver what it queued on commit (the outbox's emails)."""
    def run(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)
    return run
