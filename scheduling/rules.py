"""Who can book a meeting type, and through which path (DESIGN.md rule 11: what is sold is never
given away). One table, one function; every booking service asks it under the owner's lock
(scheduling.services), and the pages ask it first to say why before showing a form.
"""
from __future__ import annotations

from enum import StrEnum

from django.utils.translation import ngettext

from leadmonk.languages import translatable as _
from scheduling.models import BookedBy, MeetingTypeSettings, Visibility


class BookingPath(StrEnum):
    """How a booking is being made."""

    PUBLIC_PAGE = "public_page"  # /<owner-slug>/<meeting-type-slug>/ (and the list on /<owner-slug>/)
    SECRET_LINK = "secret_link"  # /<owner-slug>/s/<token>/
    TEAM_PAGE = "team_page"  # /team/<team-slug>/<meeting-type-slug>/
    TEAM_SECRET_LINK = "team_secret_link"  # /team/<team-slug>/s/<token>/
    # A session of an order that includes the meeting type: the client's order page, several
    # sessions at once, and the owner's "Book for client" (the owner books only through an order).
    ORDER = "order"
    # Moving a booking that exists: it keeps the rules it was made under, so a direct booking made
    # before its type became Package only can still be moved (and cancelled) with its own link.
    RESCHEDULE = "reschedule"


# The visibilities each path may book. A Secret link also books a Public type (anyone can book
# that anyway, and a link shared while the type was Secret keeps working). Team types are Public
# or Secret; packages never include them.
ALLOWED: dict[BookingPath, frozenset[str]] = {
    BookingPath.PUBLIC_PAGE: frozenset({Visibility.PUBLIC}),
    BookingPath.SECRET_LINK: frozenset({Visibility.PUBLIC, Visibility.SECRET}),
    BookingPath.TEAM_PAGE: frozenset({Visibility.PUBLIC}),
    BookingPath.TEAM_SECRET_LINK: frozenset({Visibility.PUBLIC, Visibility.SECRET}),
    BookingPath.ORDER: frozenset(Visibility),
    BookingPath.RESCHEDULE: frozenset(Visibility),
}
# Paths of a team's meeting types (and the hosts' copies); the others are an owner's own types.
TEAM_PATHS = frozenset({BookingPath.TEAM_PAGE, BookingPath.TEAM_SECRET_LINK})

BOOKED_THROUGH_PACKAGE = _("This session is booked through a package.")
NOT_AVAILABLE_HERE = _("This meeting is not available here.")


def booking_path_refusal(meeting_type: MeetingTypeSettings, *, path: BookingPath) -> str:
    """Why `meeting_type` cannot be booked through `path` ("" when it can). Only visibility and
    where the type lives count here; whether it is active, and an order's own rules (credits,
    status), are checked beside it."""
    if path != BookingPath.RESCHEDULE and meeting_type.is_team != (path in TEAM_PATHS):
        # A host's copy of a team type is never booked from the host's personal page or an order.
        return NOT_AVAILABLE_HERE
    if meeting_type.visibility in ALLOWED[path]:
        return ""
    if meeting_type.visibility == Visibility.PACKAGE_ONLY:
        return BOOKED_THROUGH_PACKAGE
    return NOT_AVAILABLE_HERE


def held_to_min_notice(*, booked_by: str, through_api: bool = False) -> bool:
    """Whether a new time must respect the meeting type's minimum notice. A client always (the
    public page, a secret link, an order page). The owner at the dashboard not: they know their own
    diary and may fit a client in today. Through the API always, whoever the key belongs to, as on
    the public page: an integration books on the owner's behalf without the owner looking, so it
    keeps the notice the owner set."""
    return through_api or booked_by == BookedBy.CLIENT


def notice_label(minutes: int) -> str:
    """A minimum notice as words in the active language: "1 day", "4 hours", "90 minutes"."""
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
