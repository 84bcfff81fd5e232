"""A renewal (what `make bench`'s renewal burst runs 200 times for one owner, side by side under the
owner's shared lock, queueing on its invoice numbers) runs the same number of queries however many items its order has, a renewal of a period
already recorded takes no lock, and each item of the order gets its own entries."""
from decimal import Decimal

import pytest
from django.db import connection

from memberships import services
from memberships.tests.conftest import subscribe
from orders.credits import item_balance
from orders.models import LedgerReason
from orders.services import order_session_book
from packages.models import RenewalRule
from scheduling.models import BookedBy
from tests import NINE_AM, WEEKDAYS_9_TO_5, make_meeting_type, make_package, set_weekly_hours
from tests.cache_writes import record_cache_writes

pytestmark = pytest.mark.django_db

# Before the lock: the membership with its order and whether the period is recorded (one query);
# then the savepoint, the owner's shared lock, the membership locked with its order, the order's
# owner and gift, the period looked up, the period written (one INSERT … ON CONFLICT DO NOTHING, no
# savepoint), the items locked with their order, their balances, the ledger entries (one INSERT),
# the membership and the order saved, the payment, the invoice (its items, the settings, the number
# taken in one statement, the invoice: the last two under the owner's sequence lock, on which the
# owner's renewals queue; no look-up of an invoice of the payment just created), the savepoint
# released. The paid payment's save recomputes the client's row of the Clients table
# (clients.upkeep: its address, the row locked, its source rows, money and sessions left, the update).
RENEWAL = 22
# On PostgreSQL the invoice's number is taken in its own INSERT (invoices.services._insert_numbered).
NUMBER_IN_THE_INSERT = 1 if connection.vendor == "postgresql" else 0
# A period already recorded: the membership with the period, nothing else (no lock).
AGAIN = 1


def _package(owner, items: int):
    types = [make_meeting_type(owner, name=f"Coaching {n}", slug=f"coaching-{n}", duration_minutes=60)
             for n in range(items)]
    return make_package(owner, items=[(t, 4) for t in types], name="Monthly coaching", price=Decimal("80.00"),
                        billing_interval="month", renewal_rule=RenewalRule.ROLLOVER, rollover_cap=1)


def _renew(membership):
    membership.refresh_from_db()
    return services.membership_renew_locally(membership_id=membership.pk, period_start=membership.current_period_end)


@pytest.mark.parametrize("items", [1, 3])
def test_a_renewal_runs_a_fixed_number_of_queries(owner, items, django_assert_num_queries):
    membership = subscribe(_package(owner, items)).package_membership
    membership.refresh_from_db()
    period_start = membership.current_period_end

    with django_assert_num_queries(RENEWAL - NUMBER_IN_THE_INSERT):
        assert services.membership_renew_locally(membership_id=membership.pk, period_start=period_start).renewed
    with django_assert_num_queries(AGAIN):
        assert not services.membership_renew_locally(membership_id=membership.pk, period_start=period_start).renewed


def test_each_item_of_a_renewed_order_gets_its_own_entries(owner):
    order = subscribe(_package(owner, 2))
    first, second = order.items.order_by("pk")
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    order_session_book(item=second, start=NINE_AM, booked_by=BookedBy.CLIENT)

    assert _renew(order.package_membership).renewed

    # Roll-over with a cap of 1: the first item's 4 unused become 1, the second's 3 become 1; 4 new each.
    assert [item_balance(first.pk), item_balance(second.pk)] == [5, 5]
    assert list(first.ledger.order_by("pk").values_list("reason", "change")) == [
        (LedgerReason.PURCHASE, 4), (LedgerReason.RENEWAL_RESET, -3), (LedgerReason.RENEWAL, 4)]
    assert list(second.ledger.order_by("pk").values_list("reason", "change")) == [
        (LedgerReason.PURCHASE, 4), (LedgerReason.BOOKING, -1), (LedgerReason.RENEWAL_RESET, -2),
        (LedgerReason.RENEWAL, 4)]


@pytest.mark.django_db(transaction=True)
def test_a_renewal_that_owns_its_transaction_writes_the_cache_versions_once(owner, monkeypatch):

    membership = subscribe(_package(owner, 2)).package_membership
    membership.refresh_from_db()
    writes = record_cache_writes(monkeypatch)

    assert services.membership_renew_locally(membership_id=membership.pk,
                                             period_start=membership.current_period_end).renewed

    # Its period, ledger entries, membership, order, payment and invoice each bump the orders version:
    # one set_many on commit, no write at once.
    versions = [write for write in writes if write[0] == "set_many" or write[1].startswith("v:")]
    assert versions == [("set_many", [f"v:orders:{owner.pk}"])]
