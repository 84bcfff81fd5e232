"""orders.demo: one order of the demo package, once, left for payments.demo to pay; then its first
session is booked."""
from django.db import transaction

from orders import demo
from orders.models import OrderStatus, PackageOrder
from orders.transitions import order_transition
from packages import demo as package_demo
from scheduling import demo as scheduling_demo
from scheduling.models import BookedBy, Booking


def test_seed_creates_one_order_once_and_books_a_session_when_it_is_paid(owner, capsys):
    scheduling_demo.seed(owner)
    package_demo.seed(owner)
    demo.seed(owner)
    demo.seed(owner)
    order = PackageOrder.objects.get()
    assert (order.status, order.client_name, order.client_email) == (OrderStatus.PENDING_PAYMENT, "Jamie Client",
                                                                     "jamie@example.com")
    demo.book_first_session(order)
    assert not Booking.objects.filter(order_item__order=order).exists()  # not paid yet
    with transaction.atomic():
        order_transition(order_id=order.pk, target=OrderStatus.ACTIVE)
    order.refresh_from_db()
    demo.book_first_session(order)
    demo.book_first_session(order)
    booking = Booking.objects.get(order_item__order=order)  # once (scheduling's demo has a past intro call)
    assert booking.order_item.order == order and booking.booked_by == BookedBy.OWNER
    assert booking.meeting_type.slug == "coaching-session"
    assert capsys.readouterr().out == ""


def test_seed_does_nothing_without_the_demo_package(owner):
    assert demo.seed(owner) is None
    assert PackageOrder.objects.count() == 0
