"""Shared setup of the Clients tests: a frozen clock (tests.clock.NOW), an owner open every day
9:00-17:00 (America/New_York), a package of two coaching sessions with a question, and helpers
that place and pay orders as the order page and the test provider do."""
from datetime import time, timedelta
from decimal import Decimal

import pytest
import time_machine

from orders.models import PackageOrder
from orders.services import order_create, order_session_book
from packages.models import InviteeQuestion, QuestionKind
from payments import services as payment_services
from payments.models import Payment, Provider
from tests import NOW, make_meeting_type, make_package, set_weekly_hours

NEXT_WEEK = NOW + timedelta(days=6, hours=3)  # 2026-12-07 15:00 UTC, 10:00 in New York


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coaching(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(7)})
    return make_meeting_type(owner, name="Coaching session", slug="coaching-session", duration_minutes=50)


@pytest.fixture
def package(owner, coaching):
    package = make_package(owner, items=[(coaching, 2)], name="Starter pack", slug="starter-pack",
                           price=Decimal("120.00"))
    InviteeQuestion.objects.create(package=package, text="Your goal?", kind=QuestionKind.SHORT_TEXT)
    return package


def paid_order(package, *, name: str = "Jamie Rivers", email: str = "jamie@example.com", phone: str = "",
               answer: str = "Run a marathon") -> PackageOrder:
    order = order_create(package=package, client_name=name, client_email=email, client_phone=phone,
                         answers=[{"question": "Your goal?", "kind": "short_text", "answer": answer}],
                         terms_accepted=True, client_timezone="Europe/London")
    pay(order)
    order.refresh_from_db()
    return order


def pay(order) -> Payment:
    payment = payment_services.payment_start(order=order, provider=Provider.TEST)
    return payment_services.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)


def book_next_week(order, *, days: int = 0):
    return order_session_book(item=order.items.get(), start=NEXT_WEEK + timedelta(days=days))
