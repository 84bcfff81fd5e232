"""A package session is a booking like any other: on PostgreSQL, a time that only the database
still guards (a path past the lock and the check) is refused with the usual message, inside the
order's transaction, and the order item keeps its credit."""
from datetime import timedelta

import pytest

from orders.credits import item_balance
from orders.services import order_session_book
from orders.tests.conftest import place_order
from scheduling import services, slots
from scheduling.models import Booking
from tests import NINE_AM, NOW


@pytest.mark.postgres
def test_a_session_the_database_refuses_says_the_time_was_taken_and_keeps_the_credit(package, coaching,
                                                                                      monkeypatch):
    item = place_order(package).items.get(meeting_type_name="Coaching session")
    services.booking_create(meeting_type=coaching, start=NINE_AM, client_name="Rival",
                            client_email="rival@example.com", now=NOW)
    # The code's lock and check forgotten: every time looks free.
    monkeypatch.setattr(services, "owner_lock_clause", lambda owner_alias: "")
    monkeypatch.setattr(services, "bookable_slot", lambda *, meeting_type, start, duration=None, **_: slots.Slot(
        start, start + (duration or meeting_type.duration), 1))

    with pytest.raises(services.SlotUnavailable) as refusal:
        order_session_book(item=item, start=NINE_AM + timedelta(minutes=30), now=NOW)

    assert refusal.value.message == "That time was just taken. Please pick another time."
    assert item_balance(item.pk) == item.quantity
    assert not Booking.objects.filter(order_item=item).exists()
