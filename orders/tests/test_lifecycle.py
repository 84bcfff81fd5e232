"""The order's life in one service per transition (orders.lifecycle): each one, called on its
own, does the whole of it (status, bookings, ledger, the client's message) once, and refuses what
the transition table refuses without changing anything."""
import pytest
from django.db import transaction

from notifications.models import Message, MessageKind
from orders.credits import item_balance
from orders.lifecycle import order_expire, order_mark_paid, order_refund
from orders.models import CreditLedgerEntry, LedgerReason, OrderStatus, PackageOrder
from orders.services import order_session_book
from orders.tests.conftest import place_order
from orders.transitions import IllegalOrderTransition
from scheduling.models import BookingStatus
from tests import NINE_AM


def messages(order, kind) -> int:
    return Message.objects.filter(order=order, kind=kind).count()


def test_a_paid_order_becomes_active_and_the_client_is_told_once(package):
    order = place_order(package, status=OrderStatus.PENDING_PAYMENT)

    order, changed = order_mark_paid(order=order, paid_with="Stripe")
    again, changed_again = order_mark_paid(order=order, paid_with="PayPal")

    assert (changed, changed_again) == (True, False)
    assert (again.status, again.paid_with) == (OrderStatus.ACTIVE, "Stripe")
    assert messages(order, MessageKind.ORDER_CONFIRMED) == 1


def test_a_cancelled_order_cannot_be_paid_and_nothing_changes(package):
    order = place_order(package, status=OrderStatus.CANCELLED)

    with pytest.raises(IllegalOrderTransition), transaction.atomic():
        order_mark_paid(order=order, paid_with="Stripe")

    order.refresh_from_db()
    assert (order.status, order.paid_with) == (OrderStatus.CANCELLED, "")
    assert messages(order, MessageKind.ORDER_CONFIRMED) == 0


def test_a_refund_cancels_the_upcoming_sessions_voids_the_rest_and_tells_the_client_once(package):
    order = place_order(package)
    booking = order_session_book(item=order.items.order_by("position").first(), start=NINE_AM)

    order, changed = order_refund(order=order, reason="Moving abroad")
    _, changed_again = order_refund(order=order, reason="Moving abroad")

    booking.refresh_from_db()
    assert (changed, changed_again, order.status) == (True, False, OrderStatus.REFUNDED)
    assert booking.status == BookingStatus.CANCELLED
    assert [item_balance(item.pk) for item in order.items.all()] == [0, 0]
    assert messages(order, MessageKind.ORDER_REFUNDED) == 1
    assert Message.objects.filter(booking=booking, kind=MessageKind.BOOKING_CANCELLED).count() == 0


def test_an_order_left_unpaid_expires_with_no_sessions(package):
    order = place_order(package, status=OrderStatus.PENDING_PAYMENT)

    order, changed = order_expire(order=order)

    assert (changed, order.status) == (True, OrderStatus.EXPIRED)
    assert sorted(CreditLedgerEntry.objects.filter(order_item__order=order, reason=LedgerReason.EXPIRY)
                  .values_list("change", flat=True)) == [-2, -1]
    assert order.cancelled_at is not None


def test_a_paid_order_does_not_expire_unpaid(package):
    order = place_order(package)

    with pytest.raises(IllegalOrderTransition), transaction.atomic():
        order_expire(order=order)

    assert PackageOrder.objects.get(pk=order.pk).status == OrderStatus.ACTIVE
    assert not CreditLedgerEntry.objects.filter(order_item__order=order, reason=LedgerReason.EXPIRY).exists()
