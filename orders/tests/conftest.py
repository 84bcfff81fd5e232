"""Shared setup of the orders tests: a frozen clock (tests.clock.NOW), an owner open every day 9:00-17:00
(America/New_York), a package of two meeting types, and a helper that places an order."""
from datetime import time

import pytest
import time_machine
from django.db import transaction

from orders.models import OrderStatus, PackageOrder
from orders.services import order_create
from orders.transitions import order_transition
from packages.models import InviteeQuestion, QuestionKind
from scheduling.models import MeetingTypeKind
from tests import NOW, make_meeting_type, make_package, set_weekly_hours


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def open_hours(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(7)})
    return owner


@pytest.fixture
def coaching(open_hours):
    return make_meeting_type(open_hours, name="Coaching session", slug="coaching-session", duration_minutes=50)


@pytest.fixture
def workshop(open_hours):
    return make_meeting_type(open_hours, name="Group workshop", slug="group-workshop", kind=MeetingTypeKind.GROUP,
                             capacity=6, duration_minutes=90)


@pytest.fixture
def package(owner, coaching, workshop):
    package = make_package(owner, items=[(coaching, 2), (workshop, 1)], name="Starter pack", slug="starter-pack",
                           description="Two coaching sessions and a workshop.", terms="No refunds after a session.")
    InviteeQuestion.objects.create(package=package, text="Your goal?", kind=QuestionKind.SHORT_TEXT, required=True)
    return package


def place_order(package, *, status: str = OrderStatus.ACTIVE, name: str = "Jamie Client",
                email: str = "jamie@example.com") -> PackageOrder:
    """An order of `package` as the order page would place it, then moved to `status`."""
    order = order_create(
        package=package, client_name=name, client_email=email, client_timezone="Europe/London",
        answers=[{"question": "Your goal?", "kind": "short_text", "answer": "Focus"}], terms_accepted=True,
    )
    with transaction.atomic():
        if status != order.status:
            if status == OrderStatus.REFUNDED:
                order_transition(order_id=order.pk, target=OrderStatus.ACTIVE)
            order, _ = order_transition(order_id=order.pk, target=status)
    order.refresh_from_db()
    return order
