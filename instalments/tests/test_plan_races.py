"""Exactness under races (PostgreSQL, real threads): the charge task run twice at once charges each
due instalment once; "Pay the rest now" clicked twice at once makes one payment, paid once; the
charge task and "Pay the rest now" at once neither deadlock nor charge an instalment twice."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from instalments import services
from instalments.models import Instalment, InstalmentStatus
from instalments.services import instalments_charge_due, plan_pay_start
from instalments.tests.conftest import ordered_and_paid
from leadmonk.content_version import orders_changed
from orders.credits import item_balance
from payments.models import Payment, PaymentPurpose, PaymentStatus, Provider
from payments.providers.base import PaymentError, get_provider
from payments.services import instalment_payment_create
from tests import NOW, race

RUNS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_charge_task_run_several_times_at_once_charges_each_instalment_once(package, owner, coaching):
    orders = [ordered_and_paid(package, email=f"client{n}@example.com") for n in range(5)]
    later = NOW + timedelta(days=70)  # the second and third instalments of each order are due

    charged, _ = race(RUNS, lambda index: instalments_charge_due(now=later), PaymentError)
    assert charged == RUNS
    for order in orders:
        assert list(Instalment.objects.filter(plan__order=order).values_list("status", flat=True)) == [
            InstalmentStatus.PAID] * 3
        assert Payment.objects.filter(order=order, purpose=PaymentPurpose.INSTALMENT).count() == 2
        assert item_balance(order.items.get().pk) == 6
    assert Payment.objects.filter(purpose=PaymentPurpose.INSTALMENT, status=PaymentStatus.CONFIRMED).count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pay_the_rest_double_clicked_pays_once(package):
    order = ordered_and_paid(package)
    provider = get_provider(Provider.TEST)

    def click(index):
        payment = plan_pay_start(order=order, provider=Provider.TEST)
        provider.pay(payment)

    paid, _ = race(2, click, PaymentError)
    assert paid == 2
    payments = Payment.objects.filter(order=order, purpose=PaymentPurpose.INSTALMENT)
    assert [(payment.amount, payment.status) for payment in payments] == [(Decimal("66.67"), PaymentStatus.CONFIRMED)]
    assert not Instalment.objects.filter(plan__order=order).exclude(status=InstalmentStatus.PAID).exists()
    assert item_balance(order.items.get().pk) == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_charge_task_and_pay_the_rest_at_once_neither_fails_and_each_instalment_is_charged_once(
        package, monkeypatch):
    """The charge task claimed a due instalment (its row) and then waited for the plan, which the
    client's "Pay the rest now" held while it wrote its payment onto that same row: PostgreSQL
    found a deadlock and one of them failed (the client saw a server error). Now the task takes
    the plan first, as every other writer of a plan does, and finds the client's checkout open."""
    order = ordered_and_paid(package)
    later = NOW + timedelta(days=70)  # the second and third instalments are due
    client_read, task_claimed = threading.Event(), threading.Event()

    def payment_create(**kwargs):
        if threading.current_thread().name == "client":
            client_read.set()  # the plan is locked and its payable instalments read
            task_claimed.wait(timeout=3)  # the task's claim, if it can make one before the plan's lock
        return instalment_payment_create(**kwargs)

    def changed(**kwargs):
        if threading.current_thread().name == "task":
            task_claimed.set()
        return orders_changed(**kwargs)

    monkeypatch.setattr(services, "instalment_payment_create", payment_create)
    monkeypatch.setattr(services, "orders_changed", changed)

    def run(index):
        threading.current_thread().name = ("client", "task")[index]
        if index == 0:
            plan_pay_start(order=order, provider=Provider.TEST)
        else:
            assert client_read.wait(timeout=5)
            instalments_charge_due()

    with time_machine.travel(later, tick=False):
        done, _ = race(2, run, PaymentError)
        assert done == 2
        payments = Payment.objects.filter(order=order, purpose=PaymentPurpose.INSTALMENT)
        assert [(payment.amount, payment.saved_method) for payment in payments] == [(Decimal("66.67"), "")]
        get_provider(Provider.TEST).pay(payments.get())

    assert list(Instalment.objects.filter(plan__order=order).values_list("status", flat=True)) == [
        InstalmentStatus.PAID] * 3
    assert not Payment.objects.filter(order=order, flagged=True).exists()
