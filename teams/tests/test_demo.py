"""seed_demo creates the team demo-team (the demo owner as admin and Sam, a second member with
their own hours) with a round-robin and a collective meeting type, so /team/demo-team/ works."""
import pytest
from django.core.management import call_command
from django.test import override_settings

from scheduling.availability import pooled_available_slots
from scheduling.models import WeeklyInterval
from teams.models import Role, Team, TeamMeetingKind
from teams.services import host_meeting_types


@override_settings(DEBUG=True)
@pytest.mark.django_db
def test_seed_demo_creates_the_demo_team_once_and_its_page_offers_both_meeting_types(client):
    from django.utils import timezone

    call_command("seed_demo")
    call_command("seed_demo")

    team = Team.objects.get(slug="demo-team")
    roles = {m.user.email: m.role for m in team.memberships.select_related("user")}
    assert roles == {"demo@example.com": Role.ADMIN, "sam@example.com": Role.MEMBER}
    sam_hours = set(WeeklyInterval.objects.filter(owner__email="sam@example.com").values_list("start_time", "end_time"))
    demo_hours = set(WeeklyInterval.objects.filter(owner__email="demo@example.com").values_list("start_time", "end_time"))
    assert sam_hours and sam_hours != demo_hours
    kinds = sorted(team.meeting_types.values_list("kind", flat=True))
    assert kinds == [TeamMeetingKind.COLLECTIVE, TeamMeetingKind.ROUND_ROBIN]
    now = timezone.now()
    for team_meeting_type in team.meeting_types.all():
        hosts = host_meeting_types(team_meeting_type)
        assert len(hosts) == 2
        assert pooled_available_slots(meeting_types=hosts, every_host=team_meeting_type.is_collective,
                                      range_start=now, range_end=now + timezone.timedelta(days=14), now=now)

    page = client.get("/team/demo-team/").content.decode()
    assert "Intro call" in page and "Strategy session" in page
    assert "Coaching starter pack" not in page
    assert client.get("/team/demo-team/intro-call/").status_code == 200
    assert client.get("/team/demo-team/strategy-session/").status_code == 200
