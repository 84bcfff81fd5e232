"""An API booking takes the same locks as the pages: racing real threads on PostgreSQL, API
requests and booking-page bookings for one time book it once, and an order item's last credit is
used once whichever way it is booked."""
import json
from datetime import time, timedelta

import pytest
import time_machine

from api.tests.helpers import api_client, key_for
from orders.models import OrderStatus
from orders.services import order_session_book
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.services import BookingError, booking_create
from tests import NINE_AM, NOW, make_meeting_type, make_order, make_package, race, set_weekly_hours


class ApiRefused(BookingError):
    pass


def _api_book(key: str, body: dict) -> None:
    response = api_client(key).post("/api/v1/bookings/", json.dumps(body), content_type="application/json")
    if response.status_code == 409:
        raise ApiRefused(json.loads(response.content)["detail"])
    assert response.status_code == 201, response.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_and_booking_page_racing_for_one_time_book_it_once(owner):
    set_weekly_hours(owner, {d: [(time(9), time(17))] for d in range(5)})
    meeting_type = make_meeting_type(owner)
    key = key_for(owner)

    def attempt(i: int) -> None:
        if i % 2:
            _api_book(key, {"meeting_type_id": meeting_type.pk, "start": NINE_AM.isoformat(),
                            "client_name": f"Api {i}", "client_email": f"api{i}@example.com"})
        else:
            booking_create(meeting_type=meeting_type, start=NINE_AM, client_name=f"Page {i}",
                           client_email=f"page{i}@example.com", now=NOW)

    with time_machine.travel(NOW, tick=True):
        booked, refusals = race(10, attempt, BookingError)

    assert booked == 1
    assert refusals == ["That time was just taken. Please pick another time."] * 9
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_and_order_page_racing_for_the_last_credit_use_it_once(owner):
    set_weekly_hours(owner, {d: [(time(9), time(17))] for d in range(5)})
    meeting_type = make_meeting_type(owner)
    order = make_order(make_package(owner, items=[(meeting_type, 1)]), with_items=True, status=OrderStatus.ACTIVE)
    item = order.items.get()
    key = key_for(owner)

    def attempt(i: int) -> None:
        start = NINE_AM + timedelta(hours=i)  # different times: only the credit is contended
        if i % 2:
            _api_book(key, {"order_item_id": item.pk, "start": start.isoformat()})
        else:
            order_session_book(item=item, start=start, booked_by=BookedBy.CLIENT, now=NOW)

    with time_machine.travel(NOW, tick=True):
        booked, refusals = race(6, attempt, BookingError)

    assert booked == 1
    assert len(refusals) == 5
    assert Booking.objects.filter(order_item=item, status=BookingStatus.CONFIRMED).count() == 1
