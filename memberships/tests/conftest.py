"""Shared setup of the membership tests: a frozen clock, an owner (New York) with a monthly
membership package of four 1:1 sessions, and a client who subscribes through the test provider."""
from decimal import Decimal

import pytest
import time_machine

from orders.services import order_create
from packages.models import BillingInterval, RenewalRule
from payments.models import Provider
from payments.providers.base import get_provider
from payments.services import payment_start
from tests import NOW, make_meeting_type, make_package


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def membership_package(owner, *, sessions=4, rule=RenewalRule.RESET, cap=None, interval=BillingInterval.MONTH,
                       count=1, price=Decimal("80.00"), **fields):
    coaching = make_meeting_type(owner, name="Coaching", duration_minutes=60)
    return make_package(owner, items=[(coaching, sessions)], name="Monthly coaching", price=price,
                        billing_interval=interval, billing_interval_count=count, renewal_rule=rule,
                        rollover_cap=cap, **fields)


def subscribe(package, email="cleo@example.com"):
    """Cleo orders the package and pays through the test provider: the order is active and its
    membership started. Returns the order."""
    order = order_create(package=package, client_name="Cleo Client", client_email=email,
                         client_timezone="America/New_York")
    payment = payment_start(order=order, provider=Provider.TEST)
    get_provider(Provider.TEST).pay(payment)
    order.refresh_from_db()
    return order


@pytest.fixture
def package(owner):
    return membership_package(owner)
