"""Exactness under races (PostgreSQL, real threads): the charge task run twice at once charges each
due instalment once; "Pay the rest now" clicked twice at once makes one payment, paid once."""
from datetime import timedelta
from decimal import Decimal

import pytest

from instalments.models import Instalment, InstalmentStatus
from instalments.services import instalments_charge_due, plan_pay_start
from instalments.tests.conftest import ordered_and_paid
from orders.credits import item_balance
from payments.models import Payment, PaymentPurpose, PaymentStatus, Provider
from payments.providers.base import PaymentError, get_provider
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
