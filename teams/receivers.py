"""Teams takes part in scheduling's pages through its signals (scheduling never imports teams):
a cancelled team booking offers to book again on the team's page, not on the host's own."""
from django.dispatch import receiver
from django.urls import reverse

from scheduling.models import Visibility
from scheduling.signals import book_again_link
from teams.models import HostCopy
from teams.selectors import team_is_taking_bookings


@receiver(book_again_link, dispatch_uid="teams.book_again_link")
def team_book_again_link(*, booking, **_) -> tuple[str, str] | None:
    if not booking.meeting_type.team_hosted:
        return None
    # HostCopy, not TeamHost: the copy stays the team's after its member stops hosting or leaves,
    # and after the team deletes the meeting type (its page then points at the team's page).
    copy = (HostCopy.objects.filter(meeting_type_id=booking.meeting_type_id)
            .select_related("team_meeting_type__team__owner").first())
    if copy is None:  # a copy retired before copies were registered (teams migration 0007)
        return None
    team_meeting_type = copy.team_meeting_type
    team = team_meeting_type.team
    if team_meeting_type.is_bookable and team_is_taking_bookings(team):
        if team_meeting_type.visibility == Visibility.SECRET:  # the client had its link: its own address
            url = reverse("team_public:book_secret", args=[team.slug, team_meeting_type.secret_token])
        else:
            url = reverse("team_public:book", args=[team.slug, team_meeting_type.slug])
        return url, f"Book {team_meeting_type.name} again"
    return reverse("team_public:team_page", args=[team.slug]), f"See what you can book with {team.name}"
