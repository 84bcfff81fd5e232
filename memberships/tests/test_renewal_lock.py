"""The renewal's lock (PostgreSQL, real threads): renewals of one owner's memberships take the owner's
row in share mode, so they run beside each other while every holder of the owner's lock (a booking, a
refund) waits for them; at once they still record each period once and number their invoices in
sequence, and billing runs that end cancelled memberships beside renewing ones never deadlock."""
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, close_old_connections, connection, transaction

from accounts.locks import lock_owner, lock_owner_shared
from invoices.models import Invoice
from memberships.models import MembershipPeriod, MembershipStatus, PackageMembership
from memberships.services import MembershipError, membership_cancel, membership_renew_locally, memberships_renew_due
from memberships.tests.conftest import subscribe
from orders.models import CreditLedgerEntry, LedgerReason
from tests import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class _RenewalInProgress:
    """Another renewal of the owner, between its shared lock and its commit, in a thread of its own."""

    def __init__(self, owner_id: int):
        self.owner_id = owner_id
        self.holding, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                lock_owner_shared(self.owner_id)
                self.holding.set()
                self.release.wait(timeout=20)
        finally:
            connection.close()

    def __enter__(self) -> "_RenewalInProgress":
        self.thread.start()
        assert self.holding.wait(timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join()
        close_old_connections()


def _in_a_thread(work) -> tuple[threading.Thread, list]:
    outcome = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # noqa: BLE001 - the test reads what happened
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_renewal_runs_while_another_renewal_of_the_owner_is_in_progress(owner, package):
    membership = subscribe(package).package_membership
    period_start = membership.current_period_end

    with _RenewalInProgress(owner.pk):
        thread, outcome = _in_a_thread(lambda: membership_renew_locally(membership_id=membership.pk,
                                                                        period_start=period_start).renewed)
        # With the owner's lock it would wait for the other renewal's commit (20 s away).
        thread.join(timeout=8)
        finished_beside_it = not thread.is_alive()
    thread.join()

    assert finished_beside_it
    assert outcome == [True]


def test_the_owners_lock_waits_for_a_renewal_in_progress(owner):
    def book_meanwhile():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            lock_owner(owner.pk)  # what a booking, a refund or a pause takes first

    with _RenewalInProgress(owner.pk):
        thread, outcome = _in_a_thread(book_meanwhile)
        thread.join()

    assert len(outcome) == 1 and isinstance(outcome[0], OperationalError)
    assert "lock timeout" in str(outcome[0])


def test_renewals_of_many_memberships_of_one_owner_at_once_are_exact_and_numbered_in_sequence(owner, package):
    orders = [subscribe(package, email=f"client{n}@example.com") for n in range(8)]
    memberships = [order.package_membership for order in orders]
    attempts = memberships + memberships[::-1]  # each membership renewed twice, from two threads

    renewed = []
    done, refusals = race(len(attempts), lambda index: renewed.append(membership_renew_locally(
        membership_id=attempts[index].pk, period_start=attempts[index].current_period_end).renewed),
        MembershipError)

    assert (done, refusals) == (16, [])
    assert sorted(renewed) == [False] * 8 + [True] * 8
    for membership in memberships:
        assert MembershipPeriod.objects.filter(membership=membership).count() == 2
        assert CreditLedgerEntry.objects.filter(order_item__order_id=membership.order_id,
                                                reason=LedgerReason.RENEWAL).count() == 1
    # The eight orders' invoices and the eight renewals': 1 to 16, no gap, no repeat.
    assert sorted(Invoice.objects.filter(owner=owner).values_list("sequence", flat=True)) == list(range(1, 17))


def test_billing_runs_ending_and_renewing_memberships_of_one_owner_at_once_do_not_deadlock(owner, package):
    orders = [subscribe(package, email=f"client{n}@example.com") for n in range(6)]
    cancelled = [order.package_membership.pk for order in orders[:3]]
    for membership_id in cancelled:
        membership_cancel(membership_id=membership_id)
    due = orders[0].package_membership.current_period_end + timedelta(minutes=1)

    with time_machine.travel(due, tick=False):
        results = []
        # Ending takes the owner's lock, renewing its shared lock: two runs mix both at once.
        done, refusals = race(3, lambda index: results.append(memberships_renew_due()), MembershipError)

    assert (done, refusals) == (3, [])  # a deadlock would be an error here
    assert sum(renewed for renewed, _ended in results) == 3
    assert set(PackageMembership.objects.filter(pk__in=cancelled).values_list("status", flat=True)) == {
        MembershipStatus.CANCELLED}
    for order in orders[3:]:
        assert order.package_membership.periods.count() == 2
