"""Factories for team tests: a team with members and a team meeting type with hosts."""
from __future__ import annotations

from datetime import time

from leadmonk.testing import make_owner
from scheduling.tests.factories import set_weekly_hours
from teams import services
from teams.models import Membership, Role, Team, TeamMeetingKind

WEEKDAYS_9_TO_5 = {day: [(time(9), time(17))] for day in range(5)}


def make_team(owner, *, members=(), slug: str | None = None, name: str = "Acme Coaching",
              timezone_name: str = "America/New_York") -> Team:
    """A team run by `owner` (admin) with `members` (users) joined as members."""
    team = services.team_create(owner=owner, name=name, slug=slug or f"team-of-{owner.slug}",
                                timezone_name=timezone_name)
    for user in members:
        Membership.objects.create(team=team, user=user, role=Role.MEMBER)
    return team


def make_member(**kw):
    """A user with weekday hours 9-17 New York (a Free-plan owner unless told otherwise)."""
    kw.setdefault("plan", "free")
    user = make_owner(**kw)
    set_weekly_hours(user, WEEKDAYS_9_TO_5)
    return user


def make_team_meeting_type(team, *, kind=TeamMeetingKind.ROUND_ROBIN, users=None, now=None, **fields):
    """A team meeting type hosted by `users` (default: every member). Defaults: 30 minutes, step
    30, no buffers, no notice, 60-day horizon."""
    memberships = list(team.memberships.all() if users is None else team.memberships.filter(user__in=users))
    values = {"name": "Intro call", "slug": "intro-call", "kind": kind, "duration_minutes": 30,
              "slot_step_minutes": 30, "min_notice_minutes": 0, "horizon_days": 60, **fields}
    return services.team_meeting_type_save(team=team, by=team.owner, fields=values, memberships=memberships,
                                           now=now)
