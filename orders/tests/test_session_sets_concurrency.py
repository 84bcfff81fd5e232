"""Sets booked in one go racing each other (PostgreSQL, real threads): no quota is exceeded, no
1:1 time is double-booked, and a set that fails leaves no booking and no ledger row behind."""
from datetime import timedelta

import pytest

from orders.credits import item_balance
from orders.models import CreditLedgerEntry
from orders.session_sets import SessionChoice, order_sessions_book
from orders.tests.conftest import place_order
from scheduling.models import Booking, BookingStatus
from scheduling.services import BookingError
from tests import NINE_AM, race

WEEK = timedelta(days=7)
RACERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_clients_racing_for_overlapping_sets_never_double_book_and_losers_leave_nothing(package):
    orders = [place_order(package, email=f"client{n}@example.com") for n in range(RACERS)]
    items = [order.items.get(meeting_type_name="Coaching session") for order in orders]
    ledger_before = CreditLedgerEntry.objects.count()

    def attempt(index: int) -> None:
        # Every set shares NINE_AM; each also asks for a time of its own, which must not stay booked
        # when the shared time is lost.
        own = NINE_AM + timedelta(days=1, hours=index % 7) + (index // 7) * WEEK
        order_sessions_book(order=orders[index], choices=[SessionChoice(items[index], NINE_AM),
                                                          SessionChoice(items[index], own)])

    booked, refusals = race(RACERS, attempt, BookingError)
    assert booked == 1 and len(refusals) == RACERS - 1
    assert set(refusals) == {"That time was just taken. Please pick another time."}
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    assert confirmed.filter(start=NINE_AM).count() == 1
    assert confirmed.count() == 2  # the winner's two sessions and nothing of the losers
    assert CreditLedgerEntry.objects.count() == ledger_before + 2
    assert sorted(item_balance(item.pk) for item in items) == [0] + [2] * (RACERS - 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sets_racing_for_one_orders_credits_never_exceed_its_quota(package):
    order = place_order(package)
    item = order.items.get(meeting_type_name="Coaching session")  # 2 credits

    def attempt(index: int) -> None:
        # Disjoint times, so only the quota can refuse: two sessions each, four wanted, two sold.
        # One racer a day (9:00 is inside the hours every day): index 4 and on at 2-hour steps fell after 17:00.
        order_sessions_book(order=order, choices=[SessionChoice(item, NINE_AM + timedelta(days=index)),
                                                  SessionChoice(item, NINE_AM + 2 * WEEK + timedelta(days=index))])

    booked, refusals = race(RACERS, attempt, BookingError)
    assert booked == 1 and refusals == ["No sessions left for this item."] * (RACERS - 1)
    assert Booking.objects.filter(order_item=item, status=BookingStatus.CONFIRMED).count() == 2
    assert item_balance(item.pk) == 0
