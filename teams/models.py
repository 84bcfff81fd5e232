"""Teams: members with roles, email invitations, and team meeting types (round robin, collective).

A team meeting type is booked through each chosen member's own copy of it (a scheduling
MeetingType with team_hosted=True, kept in step by teams.services), so a team booking is an
ordinary booking of that member: it blocks their personal calendar, shows on their dashboard and
gets their reminders, and their personal bookings block the team's slots.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from scheduling.models import (
    LocationKind,
    MeetingType,
    MeetingTypeState,
    default_email_offsets,
    default_sms_offsets,
)


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


class TeamMeetingType(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="meeting_types")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=16, choices=TeamMeetingKind.choices, default=TeamMeetingKind.ROUND_ROBIN)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(default=30)
    location_kind = models.CharField(max_length=16, choices=LocationKind.choices, default=LocationKind.VIDEO)
    location_details = models.CharField(max_length=500, blank=True)
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=0)
    min_notice_minutes = models.PositiveIntegerField(default=4 * 60)
    horizon_days = models.PositiveIntegerField(default=60)
    slot_step_minutes = models.PositiveIntegerField(default=30)
    requires_mobile = models.BooleanField(default=False)
    # Copied to every host's copy, whose bookings' reminders follow them (as a personal type's do).
    email_reminders_enabled = models.BooleanField(default=True)
    email_reminder_offsets = models.JSONField(default=default_email_offsets, help_text="Minutes before the session.")
    sms_reminders_enabled = models.BooleanField(default=True)
    sms_reminder_offsets = models.JSONField(default=default_sms_offsets, help_text="Minutes before the session.")
    state = models.CharField(max_length=16, choices=MeetingTypeState.choices, default=MeetingTypeState.ACTIVE)
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
    def is_collective(self) -> bool:
        return self.kind == TeamMeetingKind.COLLECTIVE

    @property
    def is_bookable(self) -> bool:
        return self.state == MeetingTypeState.ACTIVE


class TeamHost(models.Model):
    """A chosen member of a team meeting type and their own copy of it (what their bookings use)."""

    team_meeting_type = models.ForeignKey(TeamMeetingType, on_delete=models.CASCADE, related_name="hosts")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="hosting")
    meeting_type = models.OneToOneField(MeetingType, on_delete=models.PROTECT, related_name="team_host")

    class Meta:
        ordering = ["membership__user_id"]
        constraints = [models.UniqueConstraint(fields=["team_meeting_type", "membership"], name="teamhost_unique")]
