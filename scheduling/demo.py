"""Demo data of scheduling for `manage.py seed_demo`: a free public "Intro call", a paid public
"Single coaching session", the two meeting types the demo package sells (Package only: what is
sold is not given away) and weekday hours.
Idempotent: running it again leaves the same state (a demo seeded before visibilities existed has
its package's types made Package only once). A past intro call with a second client, so the
Clients page lists someone who only booked a single session."""
from datetime import time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from scheduling.models import (
    Attendance,
    Booking,
    LocationKind,
    MeetingType,
    MeetingTypeKind,
    PaymentMedium,
    Visibility,
    WeeklyInterval,
)
from scheduling.setup_services import weekly_hours_replace

DEMO_MEETING_TYPES = [
    {
        "slug": "intro-call",
        "name": "Intro call",
        "kind": MeetingTypeKind.ONE_ON_ONE,
        "capacity": 1,
        "duration_minutes": 20,
        "slot_step_minutes": 30,
        "location_kind": LocationKind.VIDEO,
        "location_details": "https://meet.example.com/dana-intro",
        "description": "A free 20-minute call to see whether coaching with me suits you.",
        "visibility": Visibility.PUBLIC,
    },
    {
        "slug": "coaching-session",
        "name": "Coaching session",
        "kind": MeetingTypeKind.ONE_ON_ONE,
        "capacity": 1,
        "duration_minutes": 50,
        "slot_step_minutes": 30,
        "location_kind": LocationKind.VIDEO,
        "location_details": "https://meet.example.com/dana-demo",
        "description": "A focused one-on-one session to work on your goals.",
        "buffer_after_minutes": 10,
        "visibility": Visibility.PACKAGE_ONLY,
    },
    {
        "slug": "group-workshop",
        "name": "Group workshop",
        "kind": MeetingTypeKind.GROUP,
        "capacity": 6,
        "duration_minutes": 90,
        "slot_step_minutes": 30,
        "location_kind": LocationKind.VIDEO,
        "location_details": "https://meet.example.com/dana-workshop",
        "description": "A small-group workshop: practice together, up to six people.",
        "visibility": Visibility.PACKAGE_ONLY,
    },
    {
        # A paid single session: the client pays when booking (locally, through the test provider,
        # which stands in for Stripe when no keys are set).
        "slug": "single-coaching-session",
        "name": "Single coaching session",
        "kind": MeetingTypeKind.ONE_ON_ONE,
        "capacity": 1,
        "duration_minutes": 50,
        "slot_step_minutes": 30,
        "location_kind": LocationKind.VIDEO,
        "location_details": "https://meet.example.com/dana-demo",
        "description": "One paid coaching session, no package needed.",
        "buffer_after_minutes": 10,
        "price": Decimal("90"),
        "currency": "USD",
        "payment_medium": PaymentMedium.STRIPE,
        "cancel_window_hours": 24,
        "visibility": Visibility.PUBLIC,
    },
]
WEEKDAY_HOURS = [(time(9, 0), time(12, 0)), (time(13, 0), time(17, 0))]
DEMO_SINGLE_CLIENT_NAME = "Riley Morgan"
DEMO_SINGLE_CLIENT_EMAIL = "riley@example.com"


@transaction.atomic
def seed(owner: User) -> None:
    for spec in DEMO_MEETING_TYPES:
        fields = dict(spec)
        slug = fields.pop("slug")
        # for_owner: not a copy of the demo team's meeting type of the same slug.
        meeting_type, created = MeetingType.objects.for_owner(owner).visible().get_or_create(
            owner=owner, slug=slug, defaults=fields)
        if not created and meeting_type.visibility == Visibility.PUBLIC != fields["visibility"]:
            meeting_type.visibility = fields["visibility"]  # a demo seeded before visibilities existed
            meeting_type.save(update_fields=["visibility", "updated_at"])
    if not WeeklyInterval.objects.filter(owner=owner).exists():
        weekly_hours_replace(owner=owner, hours={weekday: WEEKDAY_HOURS for weekday in range(5)})
    _seed_past_intro_call(owner)


def _seed_past_intro_call(owner: User) -> None:
    """An intro call eight days ago that Riley attended (written as the past it is: the booking
    services book only the future, and nobody is to be told of it now)."""
    if Booking.objects.filter(owner=owner, client_email=DEMO_SINGLE_CLIENT_EMAIL).exists():
        return
    intro = MeetingType.objects.for_owner(owner).visible().get(slug="intro-call")
    start = (timezone.now() - timedelta(days=8)).replace(hour=15, minute=0, second=0, microsecond=0)
    Booking.objects.create(owner=owner, meeting_type=intro, start=start, end=start + intro.duration,
                           client_name=DEMO_SINGLE_CLIENT_NAME, client_email=DEMO_SINGLE_CLIENT_EMAIL,
                           client_timezone=owner.timezone, attendance=Attendance.ATTENDED)
