"""Starting data of journeys 2 and 3, made with the factories and services (journey 1 makes the
same through the pages). The owner is open all day, every day, with no minimum notice, so free
times exist whenever the tests run; nothing is frozen."""
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from orders.models import OrderStatus, PackageOrder
from orders.services import order_create
from orders.transitions import order_transition
from packages.models import InviteeQuestion, NameFormat, OrderingInformation, Package, QuestionKind
from scheduling.models import MeetingType, MeetingTypeKind
from tests import make_meeting_type, make_owner, make_package, set_weekly_hours

OWNER_PASSWORD = "pass-for-tests-123"
QUESTION = "What would you like to work on first?"


@dataclass
class Shop:
    owner: User
    coaching: MeetingType
    workshop: MeetingType
    package: Package


def make_shop() -> Shop:
    owner = make_owner(email="casey@example.com", slug="casey", display_name="Casey Coach",
                       timezone="America/New_York", password=OWNER_PASSWORD)
    # 00:00-24:00 every day (an end of 00:00 is midnight at the end of the day).
    set_weekly_hours(owner, {weekday: [(time(0), time(0))] for weekday in range(7)})
    coaching = make_meeting_type(owner, name="Coaching session", slug="coaching-session", duration_minutes=45,
                                 slot_step_minutes=60, min_notice_minutes=0)
    workshop = make_meeting_type(owner, name="Group workshop", slug="group-workshop", kind=MeetingTypeKind.GROUP,
                                 capacity=6, duration_minutes=90, slot_step_minutes=120, min_notice_minutes=0)
    package = make_package(
        owner, items=[(coaching, 2), (workshop, 1)], name="Career starter pack", slug="career-starter-pack",
        description="Two one-to-one coaching sessions and a group workshop. Book them at your own pace.",
        price=Decimal("120.00"), currency="USD", payment_medium="stripe",
        terms="Sessions must be booked within three months. No refunds after the first session.",
        name_format=NameFormat.FIRST_LAST, ordering_information=OrderingInformation.NAME_EMAIL_MOBILE,
    )
    InviteeQuestion.objects.create(package=package, text=QUESTION, kind=QuestionKind.SHORT_TEXT, required=True)
    return Shop(owner=owner, coaching=coaching, workshop=workshop, package=package)


def place_pending_order(package: Package, *, client_email: str = "jamie@example.com") -> PackageOrder:
    """An order as the order page places it, waiting for its payment."""
    return order_create(
        package=package, client_name="Jamie Client", client_first_name="Jamie", client_last_name="Client",
        client_email=client_email, client_phone="+14155550100", client_timezone="Europe/London",
        answers=[{"question": QUESTION, "kind": QuestionKind.SHORT_TEXT, "answer": "Interview practice"}],
        terms_accepted=True,
    )


def place_paid_order(package: Package) -> PackageOrder:
    """An order as the order page places it, then paid (journey 2 pays through the pages)."""
    order = place_pending_order(package)
    with transaction.atomic():
        order_transition(order_id=order.pk, target=OrderStatus.ACTIVE)
    order.refresh_from_db()
    return order
