from django.apps import AppConfig


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"
    verbose_name = "Teams"

    def ready(self) -> None:
        from leadmonk import content_version
        from teams import receivers  # noqa: F401  (connects the signal receivers)
        from teams.models import Membership, Team, TeamHost, TeamMeetingType

        # What the public team pages read beyond their people's own content and bookings
        # (leadmonk.content_version.cached_team_page): the team's own version, keyed by the team.
        content_version.watch(Team, kind=content_version.TEAM, owner_of=lambda team: team.pk)
        content_version.watch(Membership, kind=content_version.TEAM, owner_of=lambda row: row.team_id)
        content_version.watch(TeamMeetingType, kind=content_version.TEAM, owner_of=lambda row: row.team_id)
        content_version.watch(TeamHost, kind=content_version.TEAM, owner_of=_host_team)


def _host_team(host) -> int | None:
    """The team of a host row (one query; None when its meeting type is gone, which bumps itself)."""
    from teams.models import TeamMeetingType

    return TeamMeetingType.objects.filter(pk=host.team_meeting_type_id).values_list("team_id", flat=True).first()
