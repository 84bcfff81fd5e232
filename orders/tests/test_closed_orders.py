"""A cancelled, refunded or unpaid-and-expired order is closed: the ledger voided what was left
(or nothing was ever paid), so no owner action brings a credit back onto it. Giving a session
back, extending, adjusting and a no-show that would return the session are each refused with a
message (or, for the no-show, recorded without a credit), and the order page offers none of them."""
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from orders.credits import CreditError, OrderClosed, booking_credit_return, item_balance, order_extend
from orders.models import CreditLedgerEntry, OrderItem, OrderStatus, PackageOrder
from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import ExpiryKind, Package
from payments.models import PaymentStatus
from payments.services import payment_mark_refunded
from payments.tests.helpers import make_payment
from scheduling.attendance import booking_mark_attendance
from scheduling.models import Attendance, Booking
from tests import NINE_AM, NOW


def coaching(order) -> OrderItem:
    return order.items.select_related("order").get(meeting_type_name="Coaching session")


def entries(order) -> list[tuple[str, int]]:
    return list(CreditLedgerEntry.objects.filter(order_item__order=order).order_by("id").values_list("reason", "change"))


def refunded_after_a_past_session(package, **policies) -> tuple[PackageOrder, Booking]:
    """An order whose first session took place, then refunded (the refund cancels only what is to come)."""
    Package.objects.filter(pk=package.pk).update(**policies)
    package.refresh_from_db()
    order = place_order(package)
    booking = order_session_book(item=coaching(order), start=NINE_AM)
    payment = make_payment(order, status=PaymentStatus.CONFIRMED, provider_payment_id="pi_1")
    with time_machine.travel(NINE_AM + timedelta(hours=2), tick=False):
        payment_mark_refunded(payment_id=payment.pk, refund_reference="re_1")
    order.refresh_from_db()
    booking.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and booking.credit_held and booking.is_confirmed
    return order, booking


def test_a_refunded_order_gives_no_session_back(owner_client, package):
    order, booking = refunded_after_a_past_session(package)
    before = entries(order)
    with time_machine.travel(NINE_AM + timedelta(hours=3), tick=False):
        page = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        response = owner_client.post(reverse("orders:booking_return_credit", args=[order.pk, booking.pk]),
                                     follow=True)
    assert "Give the session back" not in page
    assert "This order is refunded: its sessions can no longer be given back." in response.content.decode()
    with pytest.raises(OrderClosed):
        booking_credit_return(booking=booking, by_user=None)
    assert entries(order) == before and item_balance(coaching(order).pk) == 0
    assert Booking.objects.get(pk=booking.pk).credit_held


def test_a_no_show_on_a_refunded_order_is_recorded_without_a_credit(package):
    order, booking = refunded_after_a_past_session(package, no_show_forfeits=False)
    before = entries(order)
    booking_mark_attendance(booking=booking, attendance=Attendance.NO_SHOW, by_user=None,
                            now=NINE_AM + timedelta(hours=3))
    assert Booking.objects.get(pk=booking.pk).attendance == Attendance.NO_SHOW
    assert entries(order) == before and item_balance(coaching(order).pk) == 0


def test_a_refunded_order_is_not_extended(owner_client, package):
    Package.objects.filter(pk=package.pk).update(expiry_kind=ExpiryKind.AFTER_PURCHASE, expiry_days=3)
    order, _booking = refunded_after_a_past_session(package)
    assert order.expires_at == NOW + timedelta(days=3)
    before = entries(order)
    page = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    response = owner_client.post(reverse("orders:extend", args=[order.pk]), {"days": "30"})
    assert f'action="/dashboard/orders/{order.pk}/extend/"' not in page
    assert response.status_code == 400
    assert "This order is refunded: its sessions can no longer be extended." in response.content.decode()
    with pytest.raises(CreditError):
        order_extend(order=order, days=30, by_user=None)
    assert PackageOrder.objects.get(pk=order.pk).expires_at == NOW + timedelta(days=3) and entries(order) == before


def test_an_order_that_expired_unpaid_takes_no_adjustment(owner_client, package):
    order = place_order(package, status=OrderStatus.EXPIRED)
    item = coaching(order)
    before = entries(order)
    page = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    response = owner_client.post(reverse("orders:credit_adjust", args=[order.pk]),
                                 {"item": item.pk, "change": "2", "note": "Goodwill"})
    assert "Save adjustment" not in page
    assert response.status_code == 400
    assert "This order is expired: its credits can no longer be adjusted." in response.content.decode()
    assert entries(order) == before
