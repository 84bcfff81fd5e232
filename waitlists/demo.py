"""Demo data of waitlists (manage.py seed_demo): a Public group meeting type, "Open practice group",
with one session full and one client waiting for a seat (Dashboard › Waitlists; its booking page
links to the waitlist). The demo's Group workshop is Package only, so it has a public type of its own."""
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from scheduling.availability import available_slots
from scheduling.models import BookedBy, LocationKind, MeetingType, MeetingTypeKind
from scheduling.services import BookingError, booking_create
from waitlists.models import WaitlistEntry
from waitlists.services import WaitlistError, waitlist_join

DEMO_MEETING_TYPE_SLUG = "open-practice-group"
DEMO_WAITING_EMAIL = "wendy.waiting@example.com"


def seed(owner: User) -> None:
    if WaitlistEntry.objects.filter(meeting_type__owner=owner).exists():
        return
    workshop, _ = MeetingType.objects.for_owner(owner).visible().get_or_create(
        owner=owner, slug=DEMO_MEETING_TYPE_SLUG, defaults={
            "name": "Open practice group", "kind": MeetingTypeKind.GROUP, "capacity": 3, "duration_minutes": 60,
            "slot_step_minutes": 60, "location_kind": LocationKind.VIDEO,
            "location_details": "https://meet.example.com/dana-practice",
            "description": "Drop-in practice with up to three people. Full? Join the waitlist.",
        })
    if not workshop.is_group or not workshop.is_bookable:
        return
    now = timezone.now()
    slots = available_slots(meeting_type=workshop, range_start=now + timedelta(days=3),
                            range_end=now + timedelta(days=17), now=now)
    if not slots:
        return
    start = slots[0].start
    try:
        for seat in range(workshop.seats):
            booking_create(meeting_type=workshop, start=start, client_name=f"Workshop guest {seat + 1}",
                           client_email=f"guest{seat + 1}@example.com", booked_by=BookedBy.OWNER, now=now,
                           notify=False)
        waitlist_join(meeting_type=workshop, start=start, client_name="Wendy Waiting",
                      client_email=DEMO_WAITING_EMAIL, client_phone="+14155550123", now=now)
    except (BookingError, WaitlistError):
        return  # the time went meanwhile; the next run tries again
