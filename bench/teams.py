"""Teams in the benchmark: a team of three seeded owners with a round-robin meeting type; its page
is measured with the other pages, and a burst of 50 clients on one time must book each member at
most once (3 bookings, 0 double bookings: `booking_path.violations` checks overlaps per owner)."""
from datetime import timedelta

from bench.booking_path import burst
from teams import services
from teams.models import Membership, Role, TeamMeetingKind


def seed_team(*, members, now):
    """`members[0]` runs the team (admin); every member hosts the round-robin type "intro-call"."""
    team = services.team_create(owner=members[0], name="Bench team", slug="bench-team", timezone_name="UTC")
    for member in members[1:]:
        Membership.objects.create(team=team, user=member, role=Role.MEMBER)
    team_meeting_type = services.team_meeting_type_save(
        team=team, by=members[0], memberships=list(team.memberships.all()), now=now,
        fields={"name": "Intro call", "slug": "intro-call", "kind": TeamMeetingKind.ROUND_ROBIN,
                "duration_minutes": 30, "slot_step_minutes": 30, "min_notice_minutes": 0, "horizon_days": 90})
    return team, team_meeting_type


def round_robin_burst(*, team_meeting_type, now) -> dict:
    from scheduling.availability import pooled_available_slots

    hosts = services.host_meeting_types(team_meeting_type)
    slots = pooled_available_slots(meeting_types=hosts, every_host=False, range_start=now + timedelta(days=40),
                                   range_end=now + timedelta(days=60), now=now)
    start = next(slot.start for slot in slots if slot.seats_left == len(hosts))
    ok, errors, seconds = burst([
        (lambda i=i: services.team_booking_create(team_meeting_type=team_meeting_type, start=start,
                                                  client_name=f"T{i}", client_email=f"t{i}@example.com", now=now))
        for i in range(50)
    ])
    return {"name": f"50 clients, one round-robin time ({len(hosts)} members)", "expected": len(hosts),
            "succeeded": ok, "errors": errors, "seconds": seconds}
