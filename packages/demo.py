"""Demo data for local runs (`manage.py seed_demo`): the demo owner's session pack, and an unlisted
intro offer (new clients only, once each) sold through its private link.

Runs after scheduling.demo, which creates the meeting types used here. Idempotent."""
from decimal import Decimal

from django.db import transaction

from packages.models import ExpiryKind, InviteeQuestion, Package, PackageItem, PackageState, PaymentMedium, QuestionKind
from scheduling.models import MeetingType

DEMO_PACKAGE_SLUG = "coaching-starter-pack"
DEMO_ITEMS = [("coaching-session", 4), ("group-workshop", 2)]
# The terms say what the Policies below enforce (the order page shows both).
DEMO_EXPIRY_DAYS = 180
DEMO_CANCEL_WINDOW_HOURS = 24
DEMO_TERMS = (
    f"Sessions are valid for {DEMO_EXPIRY_DAYS} days from the date of purchase. Cancel a session at "
    f"least {DEMO_CANCEL_WINDOW_HOURS} hours before it starts to keep its credit. Refunds are possible "
    "within 14 days when no session has been used."
)


DEMO_PRIVATE_SLUG = "intro-offer"


@transaction.atomic
def seed(owner) -> Package | None:
    """Create "Coaching starter pack" (4 × coaching session, 2 × group workshop, 240.00 USD) and the
    unlisted "Intro offer" once each; returns the starter pack."""
    package = _seed_starter_pack(owner)
    if package is not None:
        _seed_private_offer(owner)
    return package


def _seed_private_offer(owner) -> Package:
    """ "Intro offer": one coaching session for 30.00 USD, unlisted (its private link only), for new
    clients, at most one order each."""
    existing = Package.objects.for_owner(owner).visible().filter(slug=DEMO_PRIVATE_SLUG).first()
    if existing is not None:
        return existing
    coaching = MeetingType.objects.for_owner(owner).visible().get(slug=DEMO_ITEMS[0][0])
    package = Package.objects.create(
        owner=owner, name="Intro offer", slug=DEMO_PRIVATE_SLUG,
        description="A first coaching session at a friendly price, for new clients. Shared by link only.",
        state=PackageState.ACTIVE, price=Decimal("30.00"), currency="USD", payment_medium=PaymentMedium.STRIPE,
        listed=False, new_clients_only=True, max_orders_per_client=1,
    )
    PackageItem.objects.create(package=package, meeting_type=coaching, quantity=1, position=0)
    return package


def _seed_starter_pack(owner) -> Package | None:
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
        expiry_kind=ExpiryKind.AFTER_PURCHASE,
        expiry_days=DEMO_EXPIRY_DAYS,
        cancel_window_hours=DEMO_CANCEL_WINDOW_HOURS,
        late_cancel_forfeits=True,
        max_sessions_per_week=2,  # the booking limit (orders.rules): at most two sessions a week
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
