"""The first-hour checklist on the dashboard's home: what a new owner still has to do before clients
can book and pay. Each step is ticked from the real state (never by a click), in one query at most;
the apps above add their own steps through `scheduling.signals.setup_steps`."""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import User
from leadmonk.timezones import zone_label
from scheduling.models import Booking, MeetingType, WeeklyInterval
from scheduling.signals import setup_steps


@dataclass(frozen=True)
class SetupStep:
    # Where the step stands in the list (time zone 10 ... share your link 90).
    order: int
    key: str
    label: str
    done: bool
    url: str = ""
    action: str = ""
    hint: str = ""
    copy: str = ""  # a value the step's "Copy" button copies (the booking link)


@dataclass(frozen=True)
class Checklist:
    steps: list[SetupStep]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)


def setup_checklist(*, owner: User, site_url: str) -> Checklist:
    """The owner's checklist, in order. Queries: weekly hours, meeting types, bookings, and one per
    step the apps above add (payments, packages; none on a plan without them)."""
    settings_url = reverse("accounts:settings")
    page_url = f"{site_url}{reverse('public:owner_page', args=[owner.slug])}" if owner.slug else ""
    steps = [
        SetupStep(
            order=10, key="timezone", label="Set your time zone",
            # Sign-up fills the browser's zone; UTC is what an owner has when nothing was detected.
            done=owner.timezone != "UTC", url=settings_url, action="Settings",
            hint=f"Your sessions are shown in {zone_label(owner.timezone)}." if owner.timezone != "UTC" else
            "Your time zone is still UTC: choose yours so your hours mean what you think.",
        ),
        SetupStep(
            order=20, key="hours", label="Set your working hours",
            done=WeeklyInterval.objects.filter(owner=owner).exists(),
            url=reverse("dashboard:availability"), action="Availability",
            hint="When clients may book you each week.",
        ),
        SetupStep(
            order=30, key="meeting_type", label="Create a meeting type",
            done=MeetingType.objects.for_owner(owner).visible().exists(),
            url=reverse("dashboard:meeting_type_new"), action="New meeting type",
            hint="What clients book: its length, place and price.",
        ),
    ]
    for _receiver, answer in setup_steps.send(sender=User, owner=owner):
        steps.extend(answer or [])
    steps.append(SetupStep(
        order=90, key="share", label="Share your link",
        # Ticked by what sharing leads to: a first booking through it (or one the owner made).
        done=Booking.objects.filter(owner=owner).exists(),
        url=page_url, action="Open", copy=page_url,
        hint=("Send it to a client or put it on your site; ticked with your first booking."
              if owner.email_verified else "Confirm your email address first: until then your page is not public."),
    ))
    return Checklist(steps=sorted(steps, key=lambda step: step.order))
