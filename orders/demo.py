"""Demo data of orders for `manage.py seed_demo`: one active order of the demo package with one
booked coaching session. Runs after packages.demo. Idempotent."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from orders.models import OrderStatus, PackageOrder
from orders.services import order_create, order_session_book
from orders.transitions import order_transition
from packages.models import Package
from scheduling.availability import available_slots
from scheduling.models import BookedBy
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
    # The demo pretends the client paid (the payments app records real payments).
    order, _ = order_transition(order_id=order.pk, target=OrderStatus.ACTIVE)
    item = order.items.select_related("meeting_type__owner").filter(meeting_type__slug=DEMO_MEETING_TYPE_SLUG).first()
    if item is None:
        return order
    now = timezone.now()
    slots = available_slots(
        meeting_type=item.meeting_type, range_start=now, range_end=now + timedelta(days=14), now=now
    )
    for slot in slots[:3]:
        try:
            order_session_book(item=item, start=slot.start, booked_by=BookedBy.OWNER, now=now)
        except BookingError:
            continue
        break
    return order
