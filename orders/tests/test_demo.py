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


def test_first_session_is_booked_after_the_cancellation_window(owner):
    """The demo client can still move or cancel the booked session from /my/ and its order page: it
    starts after the package's cancellation window, not within hours of `make run`."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    with time_machine.travel(dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC), tick=False):  # a Monday morning
        scheduling_demo.seed(owner)
        package_demo.seed(owner)
        order = demo.seed(owner)
        with transaction.atomic():
            order_transition(order_id=order.pk, target=OrderStatus.ACTIVE)
        order.refresh_from_db()
        demo.book_first_session(order)
        booking = Booking.objects.get(order_item__order=order)
        assert order.cancel_window_hours > 0
        assert booking.start >= timezone.now() + dt.timedelta(hours=order.cancel_window_hours)
