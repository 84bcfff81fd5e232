"""Exactness under races (PostgreSQL, real threads): ten renewals of one period ("Renew now"
pressed in several tabs, two billing runs, a replayed webhook) add the period's sessions once; the
database refuses a second row for one period whatever the code does."""
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from memberships.models import MembershipPeriod
from memberships.services import membership_renew_locally, memberships_renew_due
from memberships.tests.conftest import subscribe
from orders.credits import item_balance
from orders.models import CreditLedgerEntry, LedgerReason
from tests import race

RENEWERS = 10


def _balance(order) -> int:
    return sum(item_balance(item.pk) for item in order.items.all())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_renewals_of_one_period_add_its_sessions_once(owner, package):
    order = subscribe(package)
    membership = order.package_membership
    period_start = membership.current_period_end

    renewals = []
    race(RENEWERS, lambda index: renewals.append(
        membership_renew_locally(membership_id=membership.pk, period_start=period_start).renewed), Exception)

    assert sorted(renewals) == [False] * (RENEWERS - 1) + [True]
    assert MembershipPeriod.objects.filter(membership=membership).count() == 2
    assert CreditLedgerEntry.objects.filter(order_item__order=order, reason=LedgerReason.RENEWAL).count() == 1
    assert _balance(order) == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_billing_runs_at_once_renew_each_membership_once(owner, package):
    orders = [subscribe(package, email=f"client{n}@example.com") for n in range(5)]
    due = orders[0].package_membership.current_period_end + timedelta(minutes=1)

    with time_machine.travel(due, tick=False):
        results = []
        race(2, lambda index: results.append(memberships_renew_due()), Exception)

    assert sum(renewed for renewed, _ended in results) == 5
    for order in orders:
        assert order.package_membership.periods.count() == 2
        assert _balance(order) == 4


@pytest.mark.django_db
def test_the_database_holds_one_row_per_period(owner, package):
    membership = subscribe(package).package_membership
    first = membership.periods.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipPeriod.objects.create(membership=membership, starts_at=first.starts_at, ends_at=first.ends_at,
                                        paid_at=first.paid_at)
