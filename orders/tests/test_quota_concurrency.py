"""The quota invariant under concurrent requests (PostgreSQL): an order item's confirmed bookings
never exceed its quantity, however many clients race for its last credit."""
from datetime import timedelta

import pytest

from orders.services import order_session_book
from orders.tests.conftest import place_order
from scheduling import services
from scheduling.models import Booking, BookingStatus
from tests import NINE_AM
from tests import race as shared_race

RACERS = 20


def race(count: int, attempt) -> tuple[int, list[str]]:
    return shared_race(count, attempt, services.BookingError)


def last_credit_item(package):
    """An active order whose coaching item (2 sessions) has one credit left."""
    order = place_order(package)
    item = order.items.get(meeting_type_name="Coaching session")
    order_session_book(item=item, start=NINE_AM - timedelta(days=1))
    return item


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_requests_for_the_last_credit_at_different_times_book_exactly_one(package):
    item = last_credit_item(package)

    def attempt(index: int) -> None:
        # Each thread asks for its own free time, so only the quota can refuse it.
        start = NINE_AM + timedelta(days=index // 8, hours=index % 8)
        order_session_book(item=item, start=start)

    booked, refusals = race(RACERS, attempt)
    assert booked == 1
    assert refusals == ["No sessions left for this item."] * (RACERS - 1)
    assert Booking.objects.filter(order_item=item, status=BookingStatus.CONFIRMED).count() == item.quantity


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_credit_and_a_contested_time_meet_and_one_booking_wins(package):
    item = last_credit_item(package)
    # Half the racers use the order's last credit, half are direct bookings of the same time.
    other_order_item = place_order(package, email="rival@example.com").items.get(meeting_type_name="Coaching session")

    def attempt(index: int) -> None:
        order_session_book(item=item if index % 2 == 0 else other_order_item, start=NINE_AM)

    booked, refusals = race(RACERS, attempt)
    assert booked == 1
    assert set(refusals) <= {"No sessions left for this item.", "That time was just taken. Please pick another time."}
    assert len(refusals) == RACERS - 1
    assert Booking.objects.filter(order_item=item, status=BookingStatus.CONFIRMED).count() <= item.quantity
    assert Booking.objects.filter(start=NINE_AM, status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_requests_for_the_last_credit_at_one_time_book_exactly_one(package):
    item = last_credit_item(package)

    def attempt(index: int) -> None:
        order_session_book(item=item, start=NINE_AM)

    booked, refusals = race(RACERS, attempt)
    assert booked == 1
    # The quota is checked before the time, under the same locks: the losers are told about the credit.
    assert refusals == ["No sessions left for this item."] * (RACERS - 1)
    assert Booking.objects.filter(order_item=item, status=BookingStatus.CONFIRMED).count() == item.quantity


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_clicks_on_one_group_session_of_an_order_take_one_seat_and_one_credit(package):
    """A double (or twentieth) click on a group session: capacity would take them all, the order
    takes one seat, and its other credits stay to book (orders.services.refuse_overlapping_session,
    checked under the owner's lock)."""
    from orders.credits import ledger_adjust

    order = place_order(package)
    workshop = order.items.get(meeting_type_name="Group workshop")
    ledger_adjust(item=workshop, change=4, note="Five workshops", by_user=None)

    def attempt(index: int) -> None:
        order_session_book(item=workshop, start=NINE_AM)

    booked, refusals = race(RACERS, attempt)
    assert booked == 1
    assert refusals == ["This order already has a session at that time."] * (RACERS - 1)
    assert Booking.objects.filter(order_item=workshop, status=BookingStatus.CONFIRMED).count() == 1
