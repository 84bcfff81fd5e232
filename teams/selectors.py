"""Team reads: a user's teams, a team's members, invitations and meeting types, the public team
page and the pooled slots of a team meeting type. Nothing here reads packages: a team page never
offers them (DESIGN.md rule 2)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch
from django.utils import timezone

from leadmonk.tokens import looks_like_token
from scheduling.availability import pooled_available_slots
from scheduling.models import MeetingTypeState, Visibility
from teams.models import Invitation, InvitationStatus, Membership, Team, TeamHost, TeamMeetingType
from teams.rules import invitation_cutoff, seats_for_plan


def team_is_taking_bookings(team: Team) -> bool:
    """Bookings need the team owner on a plan with teams (existing bookings stay either way)."""
    return team.owner.is_active and seats_for_plan(team.owner.plan) > 0


def memberships_for_user(*, user) -> list[Membership]:
    """The user's teams with their member counts (one query)."""
    return list(
        Membership.objects.filter(user=user).select_related("team__owner")
        .annotate(member_count=Count("team__memberships")).order_by("team__name", "team_id")
    )


def get_membership(*, user, team_id: int) -> Membership | None:
    """`user`'s membership of team `team_id` with the team joined, or None (not a member)."""
    if not 0 < team_id < 2**63:  # beyond bigint: no such team (and no overflow in the query)
        return None
    return Membership.objects.filter(user=user, team_id=team_id).select_related("team__owner").first()


def team_members(*, team: Team) -> list[Membership]:
    return list(team.memberships.select_related("user").order_by("joined_at", "id"))


def pending_invitations(*, team: Team) -> list[Invitation]:
    """Invitations not used or revoked; `expired` on each: its link no longer works and it takes no seat."""
    invitations = list(team.invitations.filter(status=InvitationStatus.PENDING).select_related("invited_by"))
    cutoff = invitation_cutoff(timezone.now())
    for invitation in invitations:
        invitation.expired = invitation.created_at <= cutoff
    return invitations


def _hosts_prefetch() -> Prefetch:
    return Prefetch("hosts", queryset=TeamHost.objects.select_related("membership__user").order_by(
        "membership__user_id"))


def team_meeting_types(*, team: Team) -> list[TeamMeetingType]:
    """Live (active and disabled) meeting types with their hosts: two queries."""
    return list(team.meeting_types.exclude(state=MeetingTypeState.DELETED).prefetch_related(_hosts_prefetch()))


def get_team_meeting_type(*, team: Team, pk: int) -> TeamMeetingType | None:
    return (team.meeting_types.exclude(state=MeetingTypeState.DELETED).filter(pk=pk)
            .prefetch_related(_hosts_prefetch()).first())


def public_team(*, slug: str) -> Team | None:
    return Team.objects.filter(slug=slug).select_related("owner").first()


def team_people(team: Team) -> list[int]:
    """The ids of the team's owner and members: whose versions a cached team page checks (one query)."""
    return [team.owner_id, *Membership.objects.filter(team_id=team.pk).values_list("user_id", flat=True)]


def public_team_meeting_types(*, team: Team) -> list[TeamMeetingType]:
    """The active Public meeting types on /team/<slug>/ that have at least one host."""
    return list(
        team.meeting_types.filter(state=MeetingTypeState.ACTIVE, visibility=Visibility.PUBLIC)
        .annotate(host_count=Count("hosts")).filter(host_count__gt=0)
        .prefetch_related(_hosts_prefetch()).order_by("name", "id")
    )


def get_public_team_meeting_type(*, team: Team, slug: str) -> TeamMeetingType | None:
    return (team.meeting_types.filter(state=MeetingTypeState.ACTIVE, slug=slug)
            .select_related("team__owner").prefetch_related(_hosts_prefetch()).first())


def get_team_meeting_type_by_secret(*, team: Team, token: str) -> TeamMeetingType | None:
    """The active meeting type of `team` whose secret link holds `token`, or None."""
    if not looks_like_token(token):
        return None
    return (team.meeting_types.filter(state=MeetingTypeState.ACTIVE, secret_token=token)
            .select_related("team__owner").prefetch_related(_hosts_prefetch()).first())


def invitation_for_join(*, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(pk=invitation_id).select_related("team", "invited_by").first()


def team_slot_loader(team_meeting_type: TeamMeetingType, hosts):
    """A slot_loader for scheduling.selectors.slot_picker_context over the hosts' copies: a union
    of their slots for round robin, the intersection for collective."""
    def load(*, range_start: dt.datetime, range_end: dt.datetime, now: dt.datetime):
        return pooled_available_slots(meeting_types=hosts, every_host=team_meeting_type.is_collective,
                                      range_start=range_start, range_end=range_end, now=now)
    return load
