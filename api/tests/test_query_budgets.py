"""Every list of the API runs the same number of queries for 2 rows as for 12 (joins, prefetches,
annotations; no query per row). The first read of a key in a process looks it up in the database;
later reads find it in the cache (api.selectors.api_key_for), and its "last used" is written at
most once a minute, so neither is in the count."""
from datetime import timedelta

import pytest
import time_machine

from api.tests.helpers import api_client, key_for
from orders.models import OrderStatus
from payments.models import Payment, Provider
from tests import (
    NINE_AM,
    NOW,
    WEEKDAYS_9_TO_5,
    make_booking,
    make_meeting_type,
    make_order,
    make_package,
    set_weekly_hours,
)

# the list's own queries (the key is found in the cache)
BUDGETS = {
    "/api/v1/meeting-types/": 1,
    "/api/v1/packages/": 2,  # packages, their items with meeting types
    "/api/v1/orders/": 2,  # orders, their items with balances (one hand-written query)
    "/api/v1/bookings/": 1,
    "/api/v1/clients/": 4,  # grouped orders, grouped bookings, the latest names from each
    "/api/v1/payments/": 1,
}


def _warm(client) -> None:
    """The key looked up ("last used" written now) and then kept, as by an earlier request."""
    for _ in range(2):
        client.get("/api/v1/meeting-types/")


def _make(owner, size: int) -> None:
    meeting_type = make_meeting_type(owner)
    for n in range(size):
        package = make_package(owner, items=[(make_meeting_type(owner), 2), (meeting_type, 1)])
        order = make_order(package, with_items=True, status=OrderStatus.ACTIVE, client_email=f"c{n}@example.com")
        make_booking(meeting_type, NINE_AM + timedelta(hours=n), client_email=f"b{n}@example.com",
                     order_item=order.items.first())
        Payment.objects.create(order=order, provider=Provider.MANUAL, amount=order.price, currency=order.currency)


@pytest.mark.parametrize("path", list(BUDGETS))
@pytest.mark.parametrize("size", [2, 12])
def test_a_list_runs_a_fixed_number_of_queries(owner, django_assert_num_queries, path, size):
    _make(owner, size)
    client = api_client(key_for(owner))
    with time_machine.travel(NOW, tick=False):
        _warm(client)

        with django_assert_num_queries(BUDGETS[path]):
            response = client.get(path)

    assert response.status_code == 200
    assert len(response.json()["results"]) >= size


@pytest.mark.parametrize("size", [2, 12])
def test_free_times_run_a_fixed_number_of_queries(owner, django_assert_num_queries, size):
    """A month of free times: the meeting type and the engine's one query for hours, overrides and
    busy times, whatever the bookings in the month; none when asked again in the same minute."""
    meeting_type = make_meeting_type(owner, slug="coaching")
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    for n in range(size):
        make_booking(meeting_type, NINE_AM + timedelta(days=n // 4, hours=n % 4), client_email=f"b{n}@example.com")
    client = api_client(key_for(owner))
    path = f"/api/v1/meeting-types/{meeting_type.pk}/free-times/?start=2026-12-07&end=2027-01-05"
    with time_machine.travel(NOW, tick=False):
        _warm(client)

        with django_assert_num_queries(2):
            response = client.get(path)
        with django_assert_num_queries(0):
            again = client.get(path)

    assert response.status_code == 200
    assert again.content == response.content
    starts = [slot["start"] for slot in response.json()]
    assert len(starts) > 100 and "2026-12-07T14:00:00Z" not in starts and "2026-12-07T18:00:00Z" in starts
