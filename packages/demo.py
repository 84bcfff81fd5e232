"""Demo data for local runs (`manage.py seed_demo`): one session pack of the demo owner.

Runs after scheduling.demo, which creates the meeting types used here. Idempotent."""
from decimal import Decimal

from django.db import transaction

from packages.models import InviteeQuestion, Package, PackageItem, PackageState, PaymentMedium, QuestionKind
from scheduling.models import MeetingType

DEMO_PACKAGE_SLUG = "coaching-starter-pack"
DEMO_ITEMS = [("coaching-session", 4), ("group-workshop", 2)]
DEMO_TERMS = (
    "Sessions are valid for 6 months from the date of purchase. Cancel or reschedule a session at "
    "least 24 hours before it starts to keep its credit. Refunds are possible within 14 days when "
    "no session has been used."
)


@transaction.atomic
def seed(owner) -> Package | None:
    """Create "Coaching starter pack" (4 × coaching session, 2 × group workshop, 240.00 USD) once."""
    existing = Package.objects.for_owner(owner).visible().filter(slug=DEMO_PACKAGE_SLUG).first()
    if existing is not None:
        return existing
    meeting_types = {
        meeting_type.slug: meeting_type
        for meeting_type in MeetingType.objects.for_owner(owner).visible().filter(slug__in=[s for s, _ in DEMO_ITEMS])
    }
    if len(meeting_types) != len(DEMO_ITEMS):
        return None  # scheduling's demo data is missing; nothing sensible to bundle
    package = Package.objects.create(
        owner=owner,
        name="Coaching starter pack",
        slug=DEMO_PACKAGE_SLUG,
        description=(
            "Four one-to-one coaching sessions plus two group workshops to get you going. "
            "Book each session when it suits you from your order page."
        ),
        state=PackageState.ACTIVE,
        price=Decimal("240.00"),
        currency="USD",
        payment_medium=PaymentMedium.STRIPE,
        terms=DEMO_TERMS,
    )
    PackageItem.objects.bulk_create(
        PackageItem(package=package, meeting_type=meeting_types[slug], quantity=quantity, position=position)
        for position, (slug, quantity) in enumerate(DEMO_ITEMS)
    )
    InviteeQuestion.objects.create(
        package=package, text="What would you like to work on?", kind=QuestionKind.LONG_TEXT,
        required=False, position=0,
    )
    return package
