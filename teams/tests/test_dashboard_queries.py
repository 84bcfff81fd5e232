"""Query budgets of the team dashboard pages: the same number of queries with few and many
members, invitations and meeting types."""
import pytest

from teams import services
from teams.models import Membership
from tests import make_owner, make_team, make_team_meeting_type


def _grow(team, size: int) -> None:
    for _ in range(size):
        Membership.objects.create(team=team, user=make_owner(plan="free"))
    for i in range(size):
        services.invitation_create(team=team, by=team.owner, email=f"invitee{team.memberships.count()}-{i}@example.com")
    for i in range(size):
        make_team_meeting_type(team, slug=f"type-{team.meeting_types.count()}-{i}", name=f"Type {i}")


@pytest.mark.parametrize("size", [1, 4])
def test_the_team_page_of_the_dashboard_has_a_constant_query_count(owner_client, owner, size,
                                                                   django_assert_num_queries, settings):
    settings.TEAM_SEATS = {"team": 100, "enterprise": 100}
    team = make_team(owner)
    _grow(team, size)

    with django_assert_num_queries(6):  # membership+team, members, invitations, types, hosts, session user
        response = owner_client.get(f"/dashboard/teams/{team.pk}/")

    assert response.status_code == 200
    assert response.content.decode().count('class="badge badge-active"') == size


@pytest.mark.parametrize("size", [1, 4])
def test_the_teams_list_has_a_constant_query_count(owner_client, owner, size, django_assert_num_queries):
    for i in range(size):
        make_team(owner, slug=f"team-{i}", name=f"Team {i}")

    with django_assert_num_queries(2):  # the user, their memberships with teams and counts
        response = owner_client.get("/dashboard/teams/")

    assert response.content.decode().count("/dashboard/teams/") >= size


@pytest.mark.parametrize("size", [1, 4])
def test_the_public_team_page_has_a_constant_query_count(client, owner, size, django_assert_num_queries, settings):
    settings.TEAM_SEATS = {"team": 100, "enterprise": 100}
    team = make_team(owner, slug="acme")
    _grow(team, size)

    # A cold cache: the team with its owner and its people, read again after their versions are
    # known (leadmonk.content_version.cached_team_page), its meeting types, their hosts with users.
    with django_assert_num_queries(6):
        response = client.get("/team/acme/")
    assert response.content.decode().count('class="list-card"') == size

    with django_assert_num_queries(0):  # a hit: one cache round trip
        response = client.get("/team/acme/")
    assert response.content.decode().count('class="list-card"') == size
