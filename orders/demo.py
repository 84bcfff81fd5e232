"""Demo data of orders for `manage.py seed_demo`: one order of the demo package, left pending
payment; payments.demo pays it through the test provider (so the order, Payments and the receipt
agree) and then books its first session with `book_first_session`. Idempotent."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from orders.models import OrderStatus, PackageOrder
from orders.services import order_create, order_session_book
from packages.models import Package
from scheduling.availability import available_slots
from scheduling.models import BookedBy, Booking
from scheduling.services import BookingError

DEMO_PACKAGE_SLUG = "coaching-starter-pack"
DEMO_CLIENT_NAME = "Jamie Client"
DEMO_CLIENT_EMAIL = "jamie@example.com"
DEMO_MEETING_TYPE_SLUG = "coaching-session"


@transaction.atomic
def seed(owner) -> PackageOrder | None:
    package = Package.objects.for_owner(owner).visible().filter(slug=DEMO_PACKAGE_SLUG).first()
    if package is None:
        return None
    existing = PackageOrder.objects.filter(owner=owner, package=package, client_email=DEMO_CLIENT_EMAIL).first()
    if existing is not None:
        return existing
    order = order_create(
        package=package,
        client_name=DEMO_CLIENT_NAME,
        client_email=DEMO_CLIENT_EMAIL,
        client_timezone=owner.timezone,
        answers=[
            {"question": question.text, "kind": question.kind, "answer": "Getting better at public speaking."}
            for question in package.questions.all()
        ],
        terms_accepted=True,
    )
    return order


def book_first_session(order: PackageOrder) -> None:
    """Book the first free coaching session of the (paid) demo order after its cancellation window,
    unless one is booked."""
    if order.status != OrderStatus.ACTIVE or Booking.objects.filter(order_item__order=order).exists():
        return
    item = order.items.select_related("meeting_type__owner").filter(meeting_type__slug=DEMO_MEETING_TYPE_SLUG).first()
    if item is None:
        return
    now = timezone.now()
    # After the order's cancellation window, so the client can still move or cancel it from /my/.
    earliest = now + timedelta(hours=order.cancel_window_hours)
    slots = available_slots(
        meeting_type=item.meeting_type, range_start=earliest, range_end=earliest + timedelta(days=14), now=now,
        duration=item.duration,
    )
    for slot in slots[:3]:
        try:
            order_session_book(item=item, start=slot.start, booked_by=BookedBy.OWNER, now=now)
        except BookingError:
            continue
        break
