"""Teams: members with roles, email invitations, and team meeting types (round robin, collective).

A team meeting type is booked through each chosen member's own copy of it (a scheduling
MeetingType with team_hosted=True, kept in step by teams.services), so a team booking is an
ordinary booking of that member: it blocks their personal calendar, shows on their dashboard and
gets their reminders, and their personal bookings block the team's slots.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from scheduling.models import MeetingType, MeetingTypeSettings


class Team(models.Model):
    name = models.CharField(max_length=120)
    # Public address /team/<slug>/; unique among teams, not reserved, not an owner's booking link.
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # The owner whose plan the team runs on (Team plan and above): seats and "taking bookings".
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_unique_user")]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """An emailed invitation. The link carries a signed, timestamped id (teams.invitations), so it
    expires by itself; the row says whether it was already used or revoked."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "email"], condition=Q(status="pending"),
                                    name="invitation_unique_pending_email"),
        ]


class TeamMeetingKind(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round robin"
    COLLECTIVE = "collective", "Collective"


class TeamMeetingType(MeetingTypeSettings):
    """A meeting type of the team: the settings of a personal one (MeetingTypeSettings, copied to
    every host's copy by teams.services) plus the team and how its hosts share the bookings."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="meeting_types")
    kind = models.CharField(max_length=16, choices=TeamMeetingKind.choices, default=TeamMeetingKind.ROUND_ROBIN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], condition=~Q(state="deleted"),
                                    name="teammeetingtype_unique_live_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_team(self) -> bool:
        return True

    @property
    def is_collective(self) -> bool:
        return self.kind == TeamMeetingKind.COLLECTIVE


class HostCopy(models.Model):
    """Every copy ever made of a team meeting type, kept when its member stops hosting (the TeamHost
    row goes): a member ticked again or rejoining hosts through the same copy, so round robin still
    counts their recent bookings of the type, and a booking of a retired copy still belongs to the
    team (its "Book again" link). One per member and team type (teams.services._sync_hosts)."""

    team_meeting_type = models.ForeignKey(TeamMeetingType, on_delete=models.CASCADE, related_name="copies")
    # CASCADE: the register never keeps a copy (or its member's account) from being deleted.
    meeting_type = models.OneToOneField(MeetingType, on_delete=models.CASCADE, related_name="team_copy")


class TeamHost(models.Model):
    """A chosen member of a team meeting type and their own copy of it (what their bookings use)."""

    team_meeting_type = models.ForeignKey(TeamMeetingType, on_delete=models.CASCADE, related_name="hosts")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="hosting")
    meeting_type = models.OneToOneField(MeetingType, on_delete=models.PROTECT, related_name="team_host")

    class Meta:
        ordering = ["membership__user_id"]
        constraints = [models.UniqueConstraint(fields=["team_meeting_type", "membership"], name="teamhost_unique")]
