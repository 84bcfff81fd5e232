"""One rule answers "can this order item book a session now" (orders.rules): the client's order
page, the owner's order page, "Book several sessions" and the booking services give the same
reason, in the same words, and book nothing."""
import html
from datetime import timedelta

import pytest
from django.urls import reverse

from orders.models import OrderStatus, PackageOrder
from orders.services import order_session_book
from orders.session_sets import SessionChoice, SessionSetRefused, order_sessions_book
from orders.tests.conftest import place_order
from scheduling.models import Booking, MeetingType, MeetingTypeState
from scheduling.services import BookingError
from tests import NINE_AM, NOW, TEN_AM

UNAVAILABLE = "This meeting type can no longer be scheduled."


def coaching_item(order):
    return order.items.get(meeting_type_name="Coaching session")


def set_type_state(order, state):
    MeetingType.objects.filter(pk=coaching_item(order).meeting_type_id).update(state=state)


def use_both_sessions(order):
    order_session_book(item=coaching_item(order), start=NINE_AM)
    order_session_book(item=coaching_item(order), start=TEN_AM)


def expire(order):
    PackageOrder.objects.filter(pk=order.pk).update(expires_at=NOW - timedelta(days=1))


def hold_bookings(order, moment):
    PackageOrder.objects.filter(pk=order.pk).update(bookings_held_from=moment)


ITEM_REASONS = {
    "disabled type": (OrderStatus.ACTIVE, lambda order: set_type_state(order, MeetingTypeState.DISABLED), UNAVAILABLE),
    "deleted type": (OrderStatus.ACTIVE, lambda order: set_type_state(order, MeetingTypeState.DELETED), UNAVAILABLE),
    "none left": (OrderStatus.ACTIVE, use_both_sessions, "No sessions left for this item."),
}
ORDER_REASONS = {
    "expired": (OrderStatus.ACTIVE, expire,
                "The sessions of this order expired on 30 Nov 2026: no more sessions can be booked."),
    "payment overdue": (OrderStatus.ACTIVE, lambda order: hold_bookings(order, NOW - timedelta(minutes=1)),
                        "A payment of this order is overdue. Pay it from this page to book sessions again."),
    "pending payment": (OrderStatus.PENDING_PAYMENT, None, "Complete payment to start booking your sessions."),
    "cancelled": (OrderStatus.CANCELLED, None, "This order was cancelled. No more sessions can be booked."),
    "refunded": (OrderStatus.REFUNDED, None, "This order was refunded. No more sessions can be booked."),
    "expired unpaid": (OrderStatus.EXPIRED, None, "This order expired before it was paid. No sessions can be booked."),
}


def refused_order(package, status, make_it_so):
    order = place_order(package, status=status)
    if make_it_so is not None:
        make_it_so(order)
    return order


def page_message(client, url) -> str:
    response = client.get(url, follow=True)
    assert response.redirect_chain, "the page refuses by sending back to the order"
    return response.content.decode()


@pytest.mark.parametrize("reason", [*ITEM_REASONS, *ORDER_REASONS])
def test_every_path_refuses_with_the_same_words(owner_client, package, reason):
    status, make_it_so, message = {**ITEM_REASONS, **ORDER_REASONS}[reason]
    order = refused_order(package, status, make_it_so)
    item = coaching_item(order)
    bookings_before = Booking.objects.count()

    client_page = page_message(owner_client, reverse("order_details:book", args=[order.token, item.pk]))
    owner_page = page_message(owner_client, reverse("orders:book", args=[order.pk, item.pk]))
    with pytest.raises(BookingError) as one:
        order_session_book(item=item, start=NINE_AM + timedelta(days=1))
    with pytest.raises(SessionSetRefused) as several:
        order_sessions_book(order=order, choices=[SessionChoice(item=item, start=NINE_AM + timedelta(days=1))])

    assert html.escape(message) in client_page
    assert html.escape(message) in owner_page
    assert (one.value.message, several.value.message) == (message, message)
    assert Booking.objects.count() == bookings_before


@pytest.mark.parametrize("reason", list(ORDER_REASONS))
def test_the_several_sessions_page_refuses_an_order_with_the_same_words(client, package, reason):
    status, make_it_so, message = ORDER_REASONS[reason]
    order = refused_order(package, status, make_it_so)

    assert html.escape(message) in page_message(client, reverse("order_details:sessions", args=[order.token]))


def test_a_hold_that_starts_later_still_lets_the_client_book(package):
    """The grace period of a failed renewal: until the hold starts, booking goes on."""
    order = place_order(package, status=OrderStatus.ACTIVE)
    hold_bookings(order, NOW + timedelta(days=3))
    order_session_book(item=coaching_item(order), start=NINE_AM)
    assert Booking.objects.filter(order_item__order=order).count() == 1
