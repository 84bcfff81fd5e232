"""Demo data of teams for `manage.py seed_demo`: the team `demo-team` with the demo owner as admin
and a second demo member with their own hours, one round-robin and one collective meeting type.
Idempotent: running it again changes nothing that is already there."""
from datetime import time

from django.db import transaction

from accounts.models import User
from accounts.plans import Plan
from scheduling.models import MeetingTypeState, WeeklyInterval
from scheduling.setup_services import weekly_hours_replace
from teams import services
from teams.models import Membership, Role, Team, TeamMeetingKind

DEMO_TEAM_SLUG = "demo-team"
DEMO_MEMBER_EMAIL = "sam@example.com"
DEMO_MEMBER_PASSWORD = "demo12345"
# Sam works 10:00-16:00 New York on weekdays: overlapping the demo owner's hours, not equal to them.
DEMO_MEMBER_HOURS = [(time(10, 0), time(16, 0))]
DEMO_TEAM_MEETING_TYPES = [
    {"slug": "intro-call", "name": "Intro call", "kind": TeamMeetingKind.ROUND_ROBIN, "duration_minutes": 30,
     "description": "A first 30-minute call with whichever coach of the team is free."},
    {"slug": "strategy-session", "name": "Strategy session", "kind": TeamMeetingKind.COLLECTIVE,
     "duration_minutes": 60, "buffer_after_minutes": 15,
     "description": "An hour with both coaches together, at a time that suits all three of you."},
]


@transaction.atomic
def seed(owner: User) -> None:
    member, created = User.objects.get_or_create(email=DEMO_MEMBER_EMAIL, defaults={
        "display_name": "Sam Second", "slug": "sam-demo", "timezone": "America/New_York", "plan": Plan.FREE})
    if created:
        member.set_password(DEMO_MEMBER_PASSWORD)
        member.save()
    if not WeeklyInterval.objects.filter(owner=member).exists():
        weekly_hours_replace(owner=member, hours={weekday: DEMO_MEMBER_HOURS for weekday in range(5)})
    team = Team.objects.filter(slug=DEMO_TEAM_SLUG).first()
    if team is None:
        team = services.team_create(owner=owner, name="Demo Coaching Team", slug=DEMO_TEAM_SLUG,
                                    timezone_name=owner.timezone)
    Membership.objects.get_or_create(team=team, user=member, defaults={"role": Role.MEMBER})
    memberships = list(team.memberships.all())
    for spec in DEMO_TEAM_MEETING_TYPES:
        if team.meeting_types.exclude(state=MeetingTypeState.DELETED).filter(slug=spec["slug"]).exists():
            continue
        services.team_meeting_type_save(team=team, by=owner, memberships=memberships,
                                        fields={"min_notice_minutes": 240, "slot_step_minutes": 30, **spec})
