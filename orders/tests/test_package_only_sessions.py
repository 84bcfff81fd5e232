"""A Package only meeting type is booked from the order page of a package that includes it: by the
client (one session, or several at once) and by the owner's "Book for client" (scheduling.rules,
path ORDER). Its own address books nothing."""
from urllib.parse import urlencode

import pytest

from orders.tests.conftest import place_order
from scheduling.models import BookedBy, Booking, Visibility
from scheduling.selectors import format_slot_start
from tests import NINE_AM, TEN_AM


@pytest.fixture
def package_only(package, coaching, workshop):
    for meeting_type in (coaching, workshop):
        meeting_type.visibility = Visibility.PACKAGE_ONLY
        meeting_type.save()
    return package


def coaching_item(order):
    return order.items.get(meeting_type_name="Coaching session")


def test_the_client_books_a_package_only_session_from_the_order_page(client, package_only):
    order = place_order(package_only)
    item = coaching_item(order)

    response = client.post(f"/orders/{order.token}/items/{item.pk}/book/", {"start": format_slot_start(NINE_AM)})

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.order_item_id, booking.start) == (item.pk, NINE_AM)


def test_the_client_books_several_package_only_sessions_at_once(client, package_only):
    order = place_order(package_only)
    item = coaching_item(order)
    picks = ",".join(f"{item.pk}@{format_slot_start(start)}" for start in (NINE_AM, TEN_AM))

    client.post(f"/orders/{order.token}/sessions/?{urlencode({'tz': 'America/New_York'})}", {"picks": picks})

    assert sorted(Booking.objects.values_list("start", flat=True)) == [NINE_AM, TEN_AM]


def test_the_owner_books_a_package_only_session_for_the_client(owner_client, package_only):
    order = place_order(package_only)
    item = coaching_item(order)

    owner_client.post(f"/dashboard/orders/{order.pk}/items/{item.pk}/book/", {"start": format_slot_start(NINE_AM)})

    booking = Booking.objects.get()
    assert (booking.booked_by, booking.order_item_id) == (BookedBy.OWNER, item.pk)


def test_the_client_moves_a_package_only_session(client, package_only):
    order = place_order(package_only)
    item = coaching_item(order)
    client.post(f"/orders/{order.token}/items/{item.pk}/book/", {"start": format_slot_start(NINE_AM)})
    booking = Booking.objects.get()

    client.post(f"/bookings/{booking.token}/reschedule/", {"start": format_slot_start(TEN_AM)})

    booking.refresh_from_db()
    assert booking.start == TEN_AM


def test_the_client_of_an_order_cannot_use_the_types_own_address(client, owner, package_only, coaching):
    owner.email_verified = True
    owner.save()
    place_order(package_only)

    response = client.post(f"/{owner.slug}/{coaching.slug}/", {
        "client_name": "Jamie Client", "client_email": "jamie@example.com", "start": format_slot_start(NINE_AM)})

    assert response.status_code == 403 and not Booking.objects.exists()
