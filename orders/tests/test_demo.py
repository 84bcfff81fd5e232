"""orders.demo.seed: one active order of the demo package with one booked session, once."""
from orders import demo
from orders.models import OrderStatus, PackageOrder
from packages import demo as package_demo
from scheduling import demo as scheduling_demo
from scheduling.models import BookedBy, Booking


def test_seed_creates_one_active_order_with_a_booked_session_and_is_idempotent(owner, capsys):
    scheduling_demo.seed(owner)
    package_demo.seed(owner)
    demo.seed(owner)
    demo.seed(owner)
    order = PackageOrder.objects.get()
    assert (order.status, order.client_name, order.client_email) == (OrderStatus.ACTIVE, "Jamie Client",
                                                                     "jamie@example.com")
    booking = Booking.objects.get()
    assert booking.order_item.order == order and booking.booked_by == BookedBy.OWNER
    assert booking.meeting_type.slug == "coaching-session"
    assert capsys.readouterr().out == ""


def test_seed_does_nothing_without_the_demo_package(owner):
    assert demo.seed(owner) is None
    assert PackageOrder.objects.count() == 0
