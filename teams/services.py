"""Team writes: create a team, invite and admit members, roles, leaving and removal, team meeting
types (kept in step with each host's own copy) and team bookings.

Each service owns its transaction. Membership changes lock the team row first, so the seat count
read after the lock is exact when two invitations are accepted at once. Team bookings go through
scheduling.services.booking_create_pooled, which locks the hosts' owner rows in id order.
"""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from leadmonk.content_version import content_changed
from leadmonk.errors import DomainError
from leadmonk.tokens import new_token
from scheduling.availability import pooled_available_slots
from scheduling.models import (
    EDITABLE_SETTINGS,
    MEETING_TYPE_SETTINGS,
    Booking,
    LocationKind,
    MeetingType,
    MeetingTypeKind,
    MeetingTypeState,
    Visibility,
)
from scheduling.rules import BookingPath
from scheduling.services import booking_create_pooled
from scheduling.setup_services import slug_from_name, upcoming_bookings_give_rooms
from scheduling.signals import meeting_types_changed
from teams.models import (
    HostCopy,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    Team,
    TeamHost,
    TeamMeetingType,
)
from teams.rules import invitation_cutoff, seats_for_plan, team_slug_problem
from teams.signals import invitation_created


class TeamError(DomainError):
    """A team change that cannot be made; `message` is shown to the person asking, next to `field`."""


class PlanHasNoTeams(TeamError):
    message = "Teams are part of the Team plan and above. Upgrade your plan to create a team."


class TeamSlugUnavailable(TeamError):
    field = "slug"


class NotAnAdmin(TeamError):
    message = "Only team admins can do that."


class AlreadyMember(TeamError):
    message = "That person is already a member of this team."
    field = "email"


class AlreadyInvited(TeamError):
    message = "That email address already has a pending invitation. Revoke it first to send a new one."
    field = "email"


class SeatLimitReached(TeamError):
    field = "email"


class InvitationLimitReached(TeamError):
    field = "email"


class InvitationInvalid(TeamError):
    message = "This invitation link is not valid. Ask the team admin for a new one."


class InvitationUsed(TeamError):
    message = "This invitation was already used. Log in to see your teams."


class InvitationRevoked(TeamError):
    message = "This invitation was withdrawn by the team. Ask the team admin for a new one."


class InvitationExpired(TeamError):
    message = "This invitation has expired. Ask the team admin to send you a new one."


class InvitationForSomeoneElse(TeamError):
    message = "This invitation was sent to another email address. Log in as that address to accept it."


class CannotLeave(TeamError):
    pass


class NoLongerMember(TeamError):
    message = "This person is no longer on the team."


class NoCommonTime(TeamError):
    message = ("These members have no free time in common within the booking window, so clients could "
               "never book this collective meeting. Choose other members or widen their availability.")
    field = "members"


class NoHosts(TeamError):
    message = "Choose at least one member to host this meeting."
    field = "members"


class TeamMeetingSlugTaken(TeamError):
    message = "This team already has a meeting type with that link. Choose another."
    field = "slug"


class TeamTypeNeverPackageOnly(TeamError):
    message = "A team meeting type is Public or Secret: packages never include team meeting types."
    field = "visibility"


class TeamNotTakingBookings(TeamError):
    message = "This team is not taking bookings right now."


# --- Teams and members ----------------------------------------------------------------------------


def _lock_team(team: Team) -> Team:
    return Team.objects.select_for_update().select_related("owner").get(pk=team.pk)


def _require_admin(team: Team, user: User) -> Membership:
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None or not membership.is_admin:
        raise NotAnAdmin()
    return membership


def team_create(*, owner: User, name: str, slug: str, timezone_name: str) -> Team:
    """A new team run on `owner`'s plan, with `owner` as its first admin."""
    if seats_for_plan(owner.plan) == 0:
        raise PlanHasNoTeams()
    problem = team_slug_problem(slug)
    if problem:
        raise TeamSlugUnavailable(problem)
    try:
        with transaction.atomic():
            team = Team.objects.create(owner=owner, name=name.strip(), slug=slug, timezone=timezone_name)
            Membership.objects.create(team=team, user=owner, role=Role.ADMIN)
    except IntegrityError as error:  # two teams claiming one slug at once
        raise TeamSlugUnavailable("That team link was just taken. Choose another.") from error
    return team


def team_update(*, team: Team, by: User, name: str, slug: str, timezone_name: str) -> Team:
    with transaction.atomic():
        team = _lock_team(team)
        _require_admin(team, by)
        if slug != team.slug:
            problem = team_slug_problem(slug, exclude_team_id=team.pk)
            if problem:
                raise TeamSlugUnavailable(problem)
        team.name, team.slug, team.timezone = name.strip(), slug, timezone_name
        try:
            with transaction.atomic():
                team.save(update_fields=["name", "slug", "timezone"])
        except IntegrityError as error:
            raise TeamSlugUnavailable("That team link was just taken. Choose another.") from error
    return team


def _seats_left(team: Team) -> int:
    """Seats not taken by members or pending invitations not yet expired (call under the team lock)."""
    used = team.memberships.count() + team.invitations.filter(
        status=InvitationStatus.PENDING, created_at__gt=invitation_cutoff(timezone.now())).count()
    return seats_for_plan(team.owner.plan) - used


def _seat_message(team: Team) -> str:
    seats = seats_for_plan(team.owner.plan)
    if seats == 0:
        return "This team's plan no longer includes teams, so no one can be added. The team owner can upgrade."
    return (f"This team's plan has {seats} {'seat' if seats == 1 else 'seats'}, and members and pending "
            "invitations take them all. Remove a member or revoke an invitation first, or upgrade the plan.")


# Every invitation is an email to an address the admin typed: without a limit, inviting and
# revoking in a loop mails a stranger as often as the admin likes. Revoked invitations count.
INVITATIONS_PER_TEAM_PER_HOUR = 30
INVITATIONS_PER_ADDRESS_PER_DAY = 3


def _check_invitation_limits(team: Team, email: str) -> None:
    """Call under the team lock (the per-team count is then exact; the per-address count spans
    teams, so two teams inviting one address at the same moment may pass it by one)."""
    now = timezone.now()
    if team.invitations.filter(created_at__gt=now - dt.timedelta(hours=1)).count() >= INVITATIONS_PER_TEAM_PER_HOUR:
        raise InvitationLimitReached(
            f"This team has sent {INVITATIONS_PER_TEAM_PER_HOUR} invitations in the last hour, the most allowed. "
            "Please try again in an hour.")
    if Invitation.objects.filter(email=email, created_at__gt=now - dt.timedelta(days=1)).count() \
            >= INVITATIONS_PER_ADDRESS_PER_DAY:
        raise InvitationLimitReached(
            f"This address has been invited {INVITATIONS_PER_ADDRESS_PER_DAY} times in the last 24 hours, the most "
            "allowed. Please try again tomorrow.")


def invitation_create(*, team: Team, by: User, email: str, role: str = Role.MEMBER) -> Invitation:
    """Invite `email` to the team. The email goes through the notifications outbox (a row written
    in this transaction by the receiver of `invitation_created`), so it is sent once committed,
    even when the broker was down at the time."""
    email = email.strip().lower()
    with transaction.atomic():
        team = _lock_team(team)
        _require_admin(team, by)
        if Membership.objects.filter(team=team, user__email__iexact=email).exists():
            raise AlreadyMember()
        pending = team.invitations.select_for_update().filter(status=InvitationStatus.PENDING, email=email).first()
        if pending is not None:
            if pending.created_at > invitation_cutoff(timezone.now()):
                raise AlreadyInvited()
            # Its link has expired: the new invitation takes its place.
            pending.status = InvitationStatus.REVOKED
            pending.save(update_fields=["status"])
        if _seats_left(team) <= 0:
            raise SeatLimitReached(_seat_message(team))
        _check_invitation_limits(team, email)
        invitation = Invitation.objects.create(team=team, email=email, role=Role(role), invited_by=by)
        invitation_created.send(sender=Invitation, invitation=invitation)
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    with transaction.atomic():
        _lock_team(invitation.team)
        _require_admin(invitation.team, by)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status == InvitationStatus.PENDING:
            invitation.status = InvitationStatus.REVOKED
            invitation.save(update_fields=["status"])
    return invitation


def check_invitation_usable(invitation: Invitation) -> None:
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationUsed()
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationRevoked()
    # Counted from the invitation, as its seat is (the link itself may have been emailed later).
    if invitation.created_at <= invitation_cutoff(timezone.now()):
        raise InvitationExpired()


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """`user` joins the team with the invited role. The invitation can be used once."""
    with transaction.atomic():
        team = _lock_team(invitation.team)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        check_invitation_usable(invitation)
        if user.email.lower() != invitation.email.lower():
            raise InvitationForSomeoneElse()
        if Membership.objects.filter(team=team, user=user).exists():
            raise AlreadyMember()
        # The invitation already holds a seat; the plan may have shrunk since it was sent.
        if team.memberships.count() >= seats_for_plan(team.owner.plan):
            raise SeatLimitReached(_seat_message(team))
        membership = Membership.objects.create(team=team, user=user, role=invitation.role)
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["status", "accepted_at"])
    return membership


def invitation_accept_with_signup(*, invitation: Invitation, display_name: str, password: str,
                                  timezone_name: str) -> User:
    """An invitee without an account: create it (Free plan, their own booking link) and join."""
    from accounts.services import EmailTaken, owner_signup, owner_verify_email

    taken = "An account with this email address already exists. Log in to accept the invitation."
    with transaction.atomic():
        check_invitation_usable(Invitation.objects.select_for_update().get(pk=invitation.pk))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise TeamError(taken)
        try:
            user = owner_signup(email=invitation.email, password=password, display_name=display_name,
                                timezone=timezone_name)
        except EmailTaken as error:  # signed up on the sign-up page at the same moment
            raise TeamError(taken) from error
        # The invitation link was emailed to this address: it is confirmed.
        owner_verify_email(owner=user)
        invitation_accept(invitation=invitation, user=user)
    return user


def _stop_hosting(membership: Membership) -> None:
    """The member's copies of the team's meeting types are no longer bookable; their bookings stay."""
    _retire(list(TeamHost.objects.filter(membership=membership)))


def _check_may_go(team: Team, membership: Membership, *, leaving: bool) -> None:
    if membership.user_id == team.owner_id:
        raise CannotLeave("The team owner (whose plan the team runs on) cannot leave or be removed.")
    if membership.is_admin and not team.memberships.filter(role=Role.ADMIN).exclude(pk=membership.pk).exists():
        raise CannotLeave("A team needs at least one admin. Make someone else an admin first."
                          if leaving else "A team needs at least one admin.")


def membership_leave(*, membership: Membership) -> None:
    with transaction.atomic():
        team = _lock_team(membership.team)
        membership = Membership.objects.filter(pk=membership.pk).first()
        if membership is None:  # left a moment ago (a double click), or removed: gone either way
            return
        _check_may_go(team, membership, leaving=True)
        _stop_hosting(membership)
        membership.delete()


def membership_remove(*, membership: Membership, by: User) -> None:
    with transaction.atomic():
        team = _lock_team(membership.team)
        _require_admin(team, by)
        # Read again under the team's lock: another admin (or a double click) may have removed them.
        membership = Membership.objects.filter(pk=membership.pk).first()
        if membership is None:
            raise NoLongerMember()
        if membership.user_id == by.pk:
            raise CannotLeave("To leave the team yourself, use “Leave team”.")
        _check_may_go(team, membership, leaving=False)
        _stop_hosting(membership)
        membership.delete()


def membership_set_role(*, membership: Membership, by: User, role: str) -> Membership:
    with transaction.atomic():
        team = _lock_team(membership.team)
        _require_admin(team, by)
        membership = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if membership is None:
            raise NoLongerMember()
        role = Role(role)
        if role == Role.MEMBER and membership.is_admin:
            if membership.user_id == team.owner_id:
                raise CannotLeave("The team owner stays an admin.")
            if not team.memberships.filter(role=Role.ADMIN).exclude(pk=membership.pk).exists():
                raise CannotLeave("A team needs at least one admin.")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


# --- Team meeting types ----------------------------------------------------------------------------

# What team_meeting_type_save sets: the shared settings (MeetingTypeSettings, which the hosts'
# copies take) and the team type's kind. The state changes only by team_meeting_type_set_state.
EDITABLE_FIELDS = (*EDITABLE_SETTINGS, "kind")


def _update_copies(copies: QuerySet[MeetingType], **values) -> None:
    """Write `values` on hosts' copies in one query. update() sends no signal, so each host's public
    pages are told here, once per host."""
    owner_ids = sorted(set(copies.values_list("owner_id", flat=True)))
    copies.update(**values, updated_at=timezone.now())
    for owner_id in owner_ids:
        content_changed(owner_id=owner_id)


def _shared_settings(team_meeting_type: TeamMeetingType) -> dict:
    return {name: getattr(team_meeting_type, name) for name in MEETING_TYPE_SETTINGS}


def _copy_to_hosts(team_meeting_type: TeamMeetingType) -> None:
    """Every host's copy takes every shared setting of the team type, state included: the one
    place the copies are kept in step (a setting added to MeetingTypeSettings is copied too). Now
    meeting in a new video room per booking, the meetings booked before get theirs.

    update() sends no post_save: the copies that changed are announced here, as the coach's own
    editor announces theirs (scheduling.signals.meeting_types_changed; calendars writes again the
    hosts' events of the meetings still ahead, with the new place, name or description)."""
    shared = _shared_settings(team_meeting_type)
    copies = MeetingType.objects.filter(team_host__team_meeting_type=team_meeting_type)
    changed: dict[int, set[str]] = {}
    for row in copies.values("pk", *shared):
        fields = {name for name, value in shared.items() if row[name] != value}
        if fields:
            changed[row["pk"]] = fields
    _update_copies(copies, **shared)
    if team_meeting_type.location_kind == LocationKind.VIDEO_ROOM:
        upcoming_bookings_give_rooms(meeting_type_ids=list(copies.values_list("pk", flat=True)))
    if changed:
        meeting_types_changed.send(sender=MeetingType, meeting_type_ids=sorted(changed),
                                   fields=frozenset().union(*changed.values()))


def _retire(hosts: list[TeamHost]) -> None:
    """These hosts stop hosting: their copies are no longer bookable (their bookings stay, and the
    copies stay registered as the type's HostCopy, to be taken up again)."""
    _update_copies(MeetingType.objects.filter(pk__in=[host.meeting_type_id for host in hosts]),
                   state=MeetingTypeState.DELETED)
    TeamHost.objects.filter(pk__in=[host.pk for host in hosts]).delete()


def _sync_hosts(team_meeting_type: TeamMeetingType, memberships: list[Membership]) -> None:
    wanted = {membership.pk: membership for membership in memberships}
    hosts = list(TeamHost.objects.filter(team_meeting_type=team_meeting_type))
    _retire([host for host in hosts if host.membership_id not in wanted])
    hosting = {host.membership_id for host in hosts}
    joining = [membership for membership in wanted.values() if membership.pk not in hosting]
    # A member ticked again, or back in the team, hosts through the copy they had: round robin
    # counts bookings per copy, so their recent bookings of this type keep counting.
    copies = dict(team_meeting_type.copies.values_list("meeting_type__owner_id", "meeting_type_id")) if joining else {}
    for membership in joining:
        copy_id = copies.get(membership.user_id)
        if copy_id is None:
            copy_id = MeetingType.objects.create(owner_id=membership.user_id, kind=MeetingTypeKind.ONE_ON_ONE,
                                                 team_hosted=True, **_shared_settings(team_meeting_type)).pk
            HostCopy.objects.create(team_meeting_type=team_meeting_type, meeting_type_id=copy_id)
        TeamHost.objects.create(team_meeting_type=team_meeting_type, membership=membership, meeting_type_id=copy_id)
    _copy_to_hosts(team_meeting_type)  # a copy taken up again is live again, with today's settings


def host_meeting_types(team_meeting_type: TeamMeetingType) -> list[MeetingType]:
    """The hosts' copies, owners joined, in host order (the first host leads a collective booking)."""
    return [host.meeting_type for host in TeamHost.objects.filter(team_meeting_type=team_meeting_type)
            .select_related("meeting_type__owner").order_by("membership__user_id")]


def _check_common_time(team_meeting_type: TeamMeetingType, now: dt.datetime) -> None:
    if not team_meeting_type.is_collective or not team_meeting_type.is_bookable:
        return
    hosts = host_meeting_types(team_meeting_type)
    if not pooled_available_slots(meeting_types=hosts, every_host=True, range_start=now,
                                  range_end=now + dt.timedelta(days=team_meeting_type.horizon_days + 1), now=now):
        raise NoCommonTime()


def _live_team_types(team: Team, slug: str) -> QuerySet[TeamMeetingType]:
    return TeamMeetingType.objects.filter(team=team, slug=slug).exclude(state=MeetingTypeState.DELETED)


def team_meeting_type_save(*, team: Team, by: User, fields: dict, memberships: list[Membership],
                           team_meeting_type: TeamMeetingType | None = None,
                           now: dt.datetime | None = None) -> TeamMeetingType:
    """Create or edit a team meeting type and its hosts. A collective type must leave its hosts
    some common free time; otherwise nothing is saved (NoCommonTime)."""
    now = now or timezone.now()
    if not memberships:
        raise NoHosts()
    if any(membership.team_id != team.pk for membership in memberships):
        raise NoHosts("Choose members of this team.")
    if fields.get("visibility") == Visibility.PACKAGE_ONLY:
        raise TeamTypeNeverPackageOnly()
    try:
        with transaction.atomic():
            team = _lock_team(team)
            _require_admin(team, by)
            if team_meeting_type is None:
                team_meeting_type = TeamMeetingType(team=team)
            else:
                team_meeting_type = TeamMeetingType.objects.select_for_update().get(pk=team_meeting_type.pk,
                                                                                   team=team)
            for name in EDITABLE_FIELDS:
                if name in fields:
                    setattr(team_meeting_type, name, fields[name])
            if not team_meeting_type.slug:  # as for a personal type: a link made from the name
                team_meeting_type.slug = slug_from_name(
                    name=team_meeting_type.name,
                    taken=lambda slug: _live_team_types(team, slug).exclude(pk=team_meeting_type.pk).exists())
            if _live_team_types(team, team_meeting_type.slug).exclude(pk=team_meeting_type.pk).exists():
                raise TeamMeetingSlugTaken()
            team_meeting_type.save()
            _sync_hosts(team_meeting_type, memberships)
            _check_common_time(team_meeting_type, now)
    except IntegrityError as error:
        raise TeamMeetingSlugTaken() from error
    return team_meeting_type


def team_meeting_type_set_state(*, team_meeting_type: TeamMeetingType, by: User, state: str) -> TeamMeetingType:
    state = MeetingTypeState(state)
    with transaction.atomic():
        _lock_team(team_meeting_type.team)
        _require_admin(team_meeting_type.team, by)
        team_meeting_type = TeamMeetingType.objects.select_for_update().get(pk=team_meeting_type.pk)
        if team_meeting_type.state == MeetingTypeState.DELETED:
            raise TeamError("This meeting type was deleted.")
        team_meeting_type.state = state
        team_meeting_type.save(update_fields=["state"])
        _copy_to_hosts(team_meeting_type)
        if state == MeetingTypeState.DELETED:
            TeamHost.objects.filter(team_meeting_type=team_meeting_type).delete()
    return team_meeting_type


def team_meeting_type_regenerate_secret_link(*, team_meeting_type: TeamMeetingType, by: User) -> TeamMeetingType:
    """Give a team meeting type a new secret link (/team/<slug>/s/<token>/): the old one stops working."""
    with transaction.atomic():
        _require_admin(team_meeting_type.team, by)
        team_meeting_type = TeamMeetingType.objects.select_for_update().get(pk=team_meeting_type.pk)
        team_meeting_type.secret_token = new_token()
        team_meeting_type.save(update_fields=["secret_token"])
    return team_meeting_type


# --- Team bookings ---------------------------------------------------------------------------------


def team_booking_create(*, team_meeting_type: TeamMeetingType, start: dt.datetime, client_name: str,
                        client_email: str, client_phone: str = "", client_timezone: str = "UTC",
                        now: dt.datetime | None = None, path: BookingPath = BookingPath.TEAM_PAGE) -> Booking:
    """Book a team meeting: round robin gives it to one free member, collective to all of them.
    Returns the client's booking (its token is the client's link). `path`: the team page, or the
    type's secret link (scheduling.rules)."""
    from teams.selectors import team_is_taking_bookings

    team = team_meeting_type.team
    if not team_is_taking_bookings(team) or not team_meeting_type.is_bookable:
        raise TeamNotTakingBookings()
    return booking_create_pooled(
        meeting_types=host_meeting_types(team_meeting_type), every_host=team_meeting_type.is_collective,
        start=start, client_name=client_name, client_email=client_email, client_phone=client_phone,
        client_timezone=client_timezone, now=now, path=path,
    )

