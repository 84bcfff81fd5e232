"""Teams and their members: Team-plan owners create teams; admins invite by email with a signed,
expiring, single-use link (an invitee without an account signs up through it); members leave,
admins remove; a team has as many members as its plan's seats. Bad input gets a clear message and
changes nothing."""
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from teams import services
from teams.models import Invitation, InvitationStatus, Membership, Role, Team
from tests import make_owner, make_team


def _invite(client, team, email, role="member"):
    return client.post(f"/dashboard/teams/{team.pk}/invite/", {"email": email, "role": role}, follow=True)


def _link() -> str:
    return re.search(r"https?://[^/\s]+(/team/join/\S+/)", mail.outbox[-1].body).group(1)


@pytest.fixture
def team(owner):
    return make_team(owner, slug="acme", name="Acme Coaching")


def test_a_team_plan_owner_creates_a_team_and_is_its_admin(owner_client, owner):
    response = owner_client.post("/dashboard/teams/", {"name": "Acme", "slug": "acme", "timezone": "Europe/Paris"},
                                 follow=True)

    team = Team.objects.get(slug="acme")
    assert response.status_code == 200 and "Acme" in response.content.decode()
    assert team.owner == owner and team.timezone == "Europe/Paris"
    assert Membership.objects.get(team=team).role == Role.ADMIN


def test_a_teams_time_zone_is_typed_as_a_city_and_an_unknown_one_is_refused_next_to_it(owner_client):
    refused = owner_client.post("/dashboard/teams/", {"name": "Acme", "slug": "acme", "timezone": "Atlantis"})
    owner_client.post("/dashboard/teams/", {"name": "Acme", "slug": "acme", "timezone": "Paris"})

    assert "“Atlantis” is not a time zone we know" in refused.content.decode()
    assert Team.objects.get().timezone == "Europe/Paris"


def test_an_owner_below_the_team_plan_is_told_to_upgrade_and_creates_nothing(client, free_owner):
    client.force_login(free_owner)

    page = client.get("/dashboard/teams/").content.decode()
    client.post("/dashboard/teams/", {"name": "Acme", "slug": "acme", "timezone": "UTC"})

    assert "Teams are part of the Team plan and above" in page
    assert Team.objects.count() == 0


@pytest.mark.parametrize("slug, message", [
    ("team", "is reserved"), ("dashboard", "is reserved"), ("join", "is reserved"),
    ("coach", "already someone&#x27;s booking link"), ("Bad Slug!", "Use lowercase letters"),
])
def test_a_team_link_that_is_reserved_or_an_owners_is_refused_next_to_the_field(owner_client, slug, message):
    response = owner_client.post("/dashboard/teams/", {"name": "Acme", "slug": slug, "timezone": "UTC"})

    html = response.content.decode()
    assert message in html and 'class="field-errors"' in html
    assert Team.objects.count() == 0


def test_a_team_link_taken_by_another_team_is_refused(owner_client, other_owner):
    make_team(other_owner, slug="acme")

    response = owner_client.post("/dashboard/teams/", {"name": "Mine", "slug": "acme", "timezone": "UTC"})

    assert "already taken by another team" in response.content.decode()
    assert Team.objects.count() == 1


def test_an_invitee_without_an_account_signs_up_through_the_link_and_joins(owner_client, team,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, "New.Person@Example.com")
    link = _link()
    visitor = Client()

    page = visitor.get(link).content.decode()
    response = visitor.post(link, {"display_name": "Nia New", "password": "a-long-pass-phrase-42",
                                   "timezone": "Europe/Berlin"})

    assert mail.outbox[-1].to == ["new.person@example.com"] and "Acme Coaching" in mail.outbox[-1].subject
    assert "Create your account" in page
    user = User.objects.get(email="new.person@example.com")
    assert response.status_code == 302 and response["Location"] == f"/dashboard/teams/{team.pk}/"
    assert Membership.objects.get(team=team, user=user).role == Role.MEMBER
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
    assert "Acme Coaching" in visitor.get(response["Location"]).content.decode()
    assert user.email_verified  # the emailed invitation link proved the address


def test_an_invitee_with_an_account_logs_in_and_joins_with_the_invited_role(owner_client, team, other_owner,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, other_owner.email, role="admin")
    link = _link()
    invitee = Client()

    anonymous = invitee.get(link).content.decode()
    invitee.force_login(other_owner)
    invitee.post(link)

    assert "Log in to accept" in anonymous
    assert Membership.objects.get(team=team, user=other_owner).role == Role.ADMIN


def test_a_used_invitation_cannot_be_used_again(owner_client, team, other_owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, other_owner.email)
    link = _link()
    invitee = Client()
    invitee.force_login(other_owner)
    invitee.post(link)

    again = invitee.post(link)

    assert "This invitation was already used" in again.content.decode()
    assert Membership.objects.filter(team=team, user=other_owner).count() == 1


def test_an_expired_invitation_says_so_and_admits_no_one(owner_client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, "late@example.com")
    link = _link()

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        page = Client().get(link).content.decode()
        Client().post(link, {"display_name": "Late", "password": "a-long-pass-phrase-42"})

    assert "This invitation has expired" in page
    assert not User.objects.filter(email="late@example.com").exists()


def test_a_tampered_invitation_link_is_refused(client, team):
    response = client.get("/team/join/not-a-real-token/")

    assert response.status_code == 410 and "This invitation link is not valid" in response.content.decode()


def test_inviting_an_existing_member_is_refused_next_to_the_field(owner_client, team, owner):
    response = _invite(owner_client, team, owner.email.upper())

    assert "already a member of this team" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_inviting_beyond_the_seats_of_the_plan_is_refused_with_a_clear_message(owner_client, team, settings):
    settings.TEAM_SEATS = {"team": 2, "enterprise": 50}
    _invite(owner_client, team, "one@example.com")

    response = _invite(owner_client, team, "two@example.com")

    assert "plan has 2 seats, and members and pending invitations take them all" in response.content.decode()
    assert list(Invitation.objects.values_list("email", flat=True)) == ["one@example.com"]


def test_a_member_leaves_and_an_admin_removes_a_member(owner_client, team, owner):
    stay, go = make_owner(plan="free"), make_owner(plan="free")
    for user in (stay, go):
        Membership.objects.create(team=team, user=user)
    leaver = Client()
    leaver.force_login(stay)

    leaver.post(f"/dashboard/teams/{team.pk}/leave/")
    owner_client.post(f"/dashboard/teams/{team.pk}/members/{team.memberships.get(user=go).pk}/remove/")

    assert list(team.memberships.values_list("user_id", flat=True)) == [owner.pk]
    assert leaver.get(f"/dashboard/teams/{team.pk}/").status_code == 404


def test_a_member_removed_meanwhile_is_not_removed_or_given_a_role_again(owner_client, team):
    """Two admins at once, or a double click: the second request read the member before the first
    removed them (the race itself runs on PostgreSQL in test_team_races)."""
    go = make_owner(plan="free")
    stale = Membership.objects.create(team=team, user=go)
    Membership.objects.filter(pk=stale.pk).delete()  # removed after the second request read it

    with pytest.raises(services.NoLongerMember):
        services.membership_remove(membership=stale, by=team.owner)
    with pytest.raises(services.NoLongerMember):
        services.membership_set_role(membership=stale, by=team.owner, role="admin")
    services.membership_leave(membership=stale)  # their own second click on "Leave team": gone already
    page = owner_client.post(f"/dashboard/teams/{team.pk}/members/{stale.pk}/remove/", follow=True)

    assert page.status_code == 404  # the page's own read finds no such member


def test_the_team_owner_cannot_leave_and_a_member_cannot_invite(owner_client, team, other_owner):
    Membership.objects.create(team=team, user=other_owner)
    member = Client()
    member.force_login(other_owner)

    leave = owner_client.post(f"/dashboard/teams/{team.pk}/leave/", follow=True)
    invite = _invite(member, team, "x@example.com")

    assert "cannot leave or be removed" in leave.content.decode()
    assert "Only team admins can do that" in invite.content.decode()
    assert team.memberships.count() == 2 and Invitation.objects.count() == 0


def test_someone_outside_the_team_reaches_none_of_its_pages(other_owner_client, team):
    for path in (f"/dashboard/teams/{team.pk}/", f"/dashboard/teams/{team.pk}/meeting-types/new/"):
        assert other_owner_client.get(path).status_code == 404
    assert other_owner_client.post(f"/dashboard/teams/{team.pk}/invite/", {"email": "a@example.com"}).status_code == 404
    assert Invitation.objects.count() == 0


def test_a_collective_type_without_common_free_time_is_refused_next_to_the_hosts(owner_client, team, owner):
    from datetime import time

    from scheduling.models import MeetingType
    from teams.models import TeamMeetingType
    from tests import set_weekly_hours

    other = make_owner(plan="free")
    Membership.objects.create(team=team, user=other)
    set_weekly_hours(owner, {0: [(time(9), time(10))]})
    set_weekly_hours(other, {0: [(time(14), time(15))]})
    copies = MeetingType.objects.count()

    response = owner_client.post(f"/dashboard/teams/{team.pk}/meeting-types/new/", {
        "name": "Panel", "slug": "panel", "kind": "collective",
        "members": [m.pk for m in team.memberships.all()], "duration_minutes": "30", "location_kind": "video",
        "buffer_before_minutes": "0", "buffer_after_minutes": "0", "min_notice": "0",
        "horizon_days": "30", "slot_step_minutes": "30"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "no free time in common" in html and 'class="field-errors"' in html
    assert TeamMeetingType.objects.count() == 0 and MeetingType.objects.count() == copies


def test_an_admin_creates_a_round_robin_type_from_the_dashboard(owner_client, team):
    from teams.models import TeamMeetingType

    response = owner_client.post(f"/dashboard/teams/{team.pk}/meeting-types/new/", {
        "name": "Intro", "slug": "intro", "kind": "round_robin",
        "members": [m.pk for m in team.memberships.all()], "duration_minutes": "30", "location_kind": "video",
        "buffer_before_minutes": "0", "buffer_after_minutes": "0", "min_notice": "0",
        "horizon_days": "30", "slot_step_minutes": "30"})

    assert response.status_code == 302
    assert TeamMeetingType.objects.get().hosts.count() == 1


def test_the_new_team_meeting_type_form_starts_with_a_duration_as_the_personal_one_does(owner_client, team):
    html = owner_client.get(f"/dashboard/teams/{team.pk}/meeting-types/new/").content.decode()

    assert re.search(r'<input[^>]*name="duration_minutes"[^>]*value="30"', html)


def test_a_plain_member_can_change_nothing_an_admin_changes(owner_client, team, owner, other_owner):
    from django.forms.models import model_to_dict

    from teams.models import TeamMeetingType
    from tests import make_team_meeting_type

    member = Membership.objects.create(team=team, user=other_owner)
    team_meeting_type = make_team_meeting_type(team)
    invitation = Invitation.objects.create(team=team, email="pending@example.com", invited_by=owner)
    admin = team.memberships.get(user=owner)
    client = Client()
    client.force_login(other_owner)
    base = f"/dashboard/teams/{team.pk}"
    body = {"name": "Taken over", "slug": "taken-over", "timezone": "UTC", "email": "x@example.com", "role": "admin",
            "state": "deleted", "kind": "collective", "members": [member.pk], "duration_minutes": "45",
            "location_kind": "video", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
            "min_notice": "0", "horizon_days": "30", "slot_step_minutes": "30"}

    def state():
        return ([model_to_dict(row) for row in Team.objects.order_by("pk")],
                [model_to_dict(row) for row in Membership.objects.order_by("pk")],
                [model_to_dict(row) for row in Invitation.objects.order_by("pk")],
                [model_to_dict(row) for row in TeamMeetingType.objects.order_by("pk")])

    before = state()
    for path in (f"{base}/settings/", f"{base}/invite/", f"{base}/invitations/{invitation.pk}/revoke/",
                 f"{base}/members/{admin.pk}/remove/", f"{base}/members/{admin.pk}/role/",
                 f"{base}/members/{member.pk}/role/", f"{base}/meeting-types/new/",
                 f"{base}/meeting-types/{team_meeting_type.pk}/", f"{base}/meeting-types/{team_meeting_type.pk}/state/"):
        response = client.post(path, body, follow=True)
        assert "Only team admins can do that" in response.content.decode(), path
    page = client.get(f"{base}/").content.decode()

    assert state() == before
    assert "+ New team meeting type" not in page and "Send invitation" not in page and "Remove" not in page


def test_the_team_owner_is_offered_no_leave_button_and_a_member_is(owner_client, team, other_owner):
    Membership.objects.create(team=team, user=other_owner)
    member = Client()
    member.force_login(other_owner)

    assert "Leave team" not in owner_client.get(f"/dashboard/teams/{team.pk}/").content.decode()
    assert "Leave team" in member.get(f"/dashboard/teams/{team.pk}/").content.decode()


def test_an_invitation_accepted_after_the_seats_shrank_is_refused_and_makes_no_account(
        owner_client, team, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, "late-joiner@example.com")
    link = _link()
    settings.TEAM_SEATS = {"team": 1, "enterprise": 50}  # the owner alone fills the team now

    response = Client().post(link, {"display_name": "Late Joiner", "password": "a-long-pass-phrase-42"})

    assert response.status_code == 400 and "plan has 1 seat, and members and pending invitations take them all" in response.content.decode()
    assert not User.objects.filter(email="late-joiner@example.com").exists()
    assert team.memberships.count() == 1
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_a_revoked_invitation_says_it_was_withdrawn_and_admits_no_one(owner_client, team,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, "gone@example.com")
    link = _link()
    owner_client.post(f"/dashboard/teams/{team.pk}/invitations/{Invitation.objects.get().pk}/revoke/")

    page = Client().get(link)
    Client().post(link, {"display_name": "Gone", "password": "a-long-pass-phrase-42"})

    assert page.status_code == 410 and "This invitation was withdrawn" in page.content.decode()
    assert not User.objects.filter(email="gone@example.com").exists()


def test_an_invitation_opened_by_someone_logged_in_as_another_address_admits_no_one(
        owner_client, team, other_owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, "invitee@example.com")
    link = _link()
    someone = Client()
    someone.force_login(other_owner)

    page = someone.get(link).content.decode()
    post = someone.post(link)

    assert f"You are logged in as {other_owner.email}" in page and "Join Acme Coaching</button>" not in page
    assert post.status_code == 400 and "sent to another email address" in post.content.decode()
    assert not team.memberships.filter(user=other_owner).exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_an_invitee_whose_address_signs_up_elsewhere_at_the_same_moment_is_told_to_log_in(
        owner_client, team, monkeypatch, django_capture_on_commit_callbacks):
    """The sign-up page created the same address between the check and the insert (accounts.services
    raises EmailTaken then): the invitee is told to log in, never shown an error page."""
    from accounts import services as account_services

    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, "racer@example.com")
    link = _link()

    def taken(**_kwargs):
        raise account_services.EmailTaken

    monkeypatch.setattr(account_services, "owner_signup", taken)
    response = Client().post(link, {"display_name": "Racer", "password": "a-long-pass-phrase-42"})

    assert response.status_code == 400
    assert "An account with this email address already exists. Log in to accept the invitation." in (
        response.content.decode())
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_an_expired_invitation_frees_its_seat_and_says_so_on_the_team_page(owner_client, team, settings):
    # It kept its seat for good: "members and pending invitations take them all" for a link no one could use.
    settings.TEAM_SEATS = {"team": 2, "enterprise": 50}
    _invite(owner_client, team, "late@example.com")

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = _invite(owner_client, team, "next@example.com")

    page = response.content.decode()
    assert "Invitation sent to next@example.com" in page and "2 of 2 seats used" in page
    assert re.search(r"late@example.com · Member · sent [^<]*· link expired", page)
    assert team.invitations.filter(status=InvitationStatus.PENDING).count() == 2


def test_an_address_whose_invitation_expired_can_be_invited_again_and_only_the_new_link_works(
        owner_client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, team, "late@example.com")
    old_link = _link()

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite(owner_client, team, "late@example.com")
        new_link = _link()
        refused = Client().get(old_link).content.decode()
        Client().post(new_link, {"display_name": "Late", "password": "a-long-pass-phrase-42"})

    assert "Invitation sent to late@example.com" in response.content.decode()
    assert "This invitation has expired" in refused
    assert Membership.objects.filter(team=team, user__email="late@example.com").exists()
    assert list(team.invitations.values_list("status", flat=True)) == [InvitationStatus.ACCEPTED,
                                                                        InvitationStatus.REVOKED]
