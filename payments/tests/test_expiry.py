"""Pending orders that are never paid expire after UNPAID_ORDER_EXPIRY_MINUTES (periodic task)."""
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from orders.credits import item_balance, ledger_grant_purchase
from orders.models import CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus
from payments.models import PaymentStatus, Provider
from payments.services import payment_confirm
from payments.tasks import expire_unpaid_orders
from payments.tests.helpers import make_payment
from tests import make_meeting_type, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def expiry(settings):
    settings.UNPAID_ORDER_EXPIRY_MINUTES = 60


def _order_created(owner, minutes_ago: int, **fields):
    with time_machine.travel(timezone.now() - timedelta(minutes=minutes_ago), tick=False):
        return make_order(owner, **fields)


def test_an_old_unpaid_order_expires_and_its_open_checkout_is_cancelled(owner):
    order = _order_created(owner, 61)
    payment = make_payment(order)
    assert expire_unpaid_orders.delay().get() == 1
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert payment.status == PaymentStatus.CANCELED


def test_a_recent_unpaid_order_stays_pending(owner):
    order = _order_created(owner, 59)
    expire_unpaid_orders()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_an_order_with_a_payment_pending_at_the_provider_does_not_expire(owner):
    order = _order_created(owner, 600)
    make_payment(order, status=PaymentStatus.PENDING)
    expire_unpaid_orders()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_paid_and_cancelled_orders_are_left_alone(owner):
    active = _order_created(owner, 600, status=OrderStatus.ACTIVE)
    cancelled = _order_created(owner, 600, status=OrderStatus.CANCELLED)
    assert expire_unpaid_orders() == 0
    active.refresh_from_db()
    cancelled.refresh_from_db()
    assert (active.status, cancelled.status) == (OrderStatus.ACTIVE, OrderStatus.CANCELLED)


def test_money_arriving_after_expiry_is_recorded_and_flagged(owner):
    order = _order_created(owner, 61)
    payment = make_payment(order, provider=Provider.TEST)
    expire_unpaid_orders()
    payment = payment_confirm(payment_id=payment.pk, amount=order.price, currency=order.currency)
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert payment.status == PaymentStatus.CONFIRMED and payment.flagged


def test_the_task_is_registered_under_the_beat_schedule_name(settings):
    from leadmonk.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["expire-unpaid-orders"]["task"] == "payments.tasks.expire_unpaid_orders"
    assert "payments.tasks.expire_unpaid_orders" in app.tasks


def test_an_order_that_expires_unpaid_keeps_no_sessions(owner):
    order = _order_created(owner, 61)
    item = OrderItem.objects.create(order=order, meeting_type=make_meeting_type(owner), meeting_type_name="Coaching",
                                    duration_minutes=50, quantity=3, position=0)
    with transaction.atomic():
        ledger_grant_purchase(items=[item])

    expire_unpaid_orders()
    expire_unpaid_orders()

    voids = list(CreditLedgerEntry.objects.filter(order_item=item).exclude(reason=LedgerReason.PURCHASE)
                 .values_list("reason", "change", "note"))
    assert voids == [(LedgerReason.EXPIRY, -3, "The order expired before it was paid")]
    assert item_balance(item.pk) == 0
