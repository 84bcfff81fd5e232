"""A booking in calendars: the .ics (one VEVENT per booking, built with icalendar) that booking
emails attach and the booking and order pages offer, and the "Add to calendar" links.

The UID is stable for the life of a booking so calendar apps update (reschedule) or remove
(cancel) the event they already have; SEQUENCE is the booking's sequence, raised on each move and
on the cancel, so a CANCEL always outranks the last REQUEST (RFC 5546). The owner's subscription
feed (`owner_feed_ics`) carries the same UIDs. `booking_place` is the one answer to "where do we
meet" that pages, emails, SMS and these files show.
"""
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote_plus, urlencode, urlparse

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from leadmonk.languages import translatable as _
from leadmonk.tokens import new_token
from scheduling.models import Booking, BookingStatus, LocationKind, PhoneCaller

PRODID = "-//Leadmonk//Session packs//EN"


def booking_uid(booking) -> str:
    """One meeting, one UID: a host's row of a collective meeting is named by its lead booking, so
    the host's invitation, their feed and their CalDAV event are the client's event."""
    host = urlparse(settings.SITE_URL).hostname or "leadmonk.local"
    return f"booking-{booking.lead_id or booking.pk}@{host}"


def session_name(booking) -> str:
    """What the session is called to the client (Booking.session_name: a package session by the
    name it was sold under)."""
    return booking.session_name


def new_video_room_url() -> str:
    """An unguessable Jitsi Meet room (256 random bits in its name): whoever has the link joins,
    so the name is the only key, as with a booking's own token."""
    return f"{settings.JITSI_BASE_URL}/Leadmonk-{new_token()}"


def session_video_room(meeting_type, start: datetime, *, exclude_booking_id: int | None = None) -> str:
    """The room of a booking of `meeting_type` at `start`: the clients of a group session meet in
    one room (the one its other bookings have), anyone else in a new one. The caller holds the
    owner's lock, so two clients joining a session at once do not each open a room."""
    if meeting_type.is_group:
        shared = (Booking.objects.filter(meeting_type=meeting_type, start=start,
                                         status__in=[BookingStatus.CONFIRMED, BookingStatus.HELD])
                  .exclude(video_room_url="").exclude(pk=exclude_booking_id)
                  .order_by("pk").values_list("video_room_url", flat=True).first())
        if shared:
            return shared
    return new_video_room_url()


def map_url(address: str) -> str:
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


@dataclass(frozen=True)
class Place:
    """Where a booking happens: `label` (the kind), `details` (text), `url` (a link to open: the
    video room or fixed link, or a map of the address) and `url_label` (what that link is)."""

    label: str
    details: str = ""
    url: str = ""
    url_label: str = ""

    @property
    def text(self) -> str:
        """One line for calendar files, plain-text emails and SMS: the details, or else the link
        (a map link stays on pages and HTML emails: a calendar's LOCATION is the address)."""
        where = self.details or self.url
        return f"{self.label}: {where}" if where else self.label


def _person(user) -> str:
    return user.display_name or user.email


def booking_place(booking) -> Place:
    """Where `booking` meets, from its meeting type's location (as set now) and, for a new video
    room per booking, the booking's own room. A cancelled booking's room is shown as cancelled."""
    meeting_type = booking.meeting_type
    kind, details = meeting_type.location_kind, meeting_type.location_details
    if kind == LocationKind.VIDEO_ROOM:
        if booking.status == BookingStatus.CANCELLED:  # a session held while the client pays keeps its room
            return Place(_("Video room"), _("cancelled"))
        return Place(_("Video room"), url=booking.video_room_url, url_label=_("Join the video room"))
    if kind == LocationKind.IN_PERSON:
        return Place(_("In person"), details, url=map_url(details) if details else "", url_label=_("Map"))
    if kind == LocationKind.PHONE and meeting_type.phone_caller == PhoneCaller.HOST:
        # A package session's number is the order's: a package that did not ask for one has none.
        values = {"host": _person(meeting_type.owner), "client": booking.client_name, "number": booking.client_phone}
        return Place(_("Phone call"), (_("%(host)s calls %(client)s on %(number)s") if booking.client_phone
                                       else _("%(host)s calls %(client)s (no number given)")) % values)
    if kind == LocationKind.PHONE and meeting_type.phone_caller == PhoneCaller.CLIENT:
        return Place(_("Phone call"), _("%(client)s calls %(host)s on %(number)s") % {
            "client": booking.client_name, "host": _person(meeting_type.owner), "number": details})
    label = str(meeting_type.get_location_kind_display())
    if kind == LocationKind.VIDEO and details.startswith(("https://", "http://")):
        return Place(label, details, url=details, url_label=_("Join the call"))
    return Place(label, details)


def booking_location(booking) -> str:
    """The place as one line of text (calendar files, plain-text emails, SMS)."""
    return booking_place(booking).text


def meeting_hosts(booking) -> list:
    """The hosts of the meeting `booking` belongs to: every host of a collective team meeting (one
    row each, the lead first), else the booking's owner. The rows in the booking's own status, so a
    cancelled meeting still names who it was with."""
    if not booking.meeting_type.team_hosted:
        return [booking.meeting_type.owner]
    lead_id = booking.lead_id or booking.pk
    rows = (Booking.objects.filter(Q(pk=lead_id) | Q(lead_id=lead_id), status=booking.status)
            .select_related("owner").order_by("pk"))
    return [row.owner for row in rows] or [booking.meeting_type.owner]


def _person_name(owner) -> str:
    return owner.display_name or owner.email


def host_names(booking) -> str:
    """"Casey Coach", or "Casey Coach, Sam Second and Robin Third" for a collective meeting (in the
    active language: the client's email or page)."""
    names = [_person_name(owner) for owner in meeting_hosts(booking)]
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def event_title(booking) -> str:
    return _("%(session)s with %(hosts)s") % {"session": session_name(booking), "hosts": host_names(booking)}


def manage_url(booking) -> str:
    return f"{settings.SITE_URL}/bookings/{booking.token}/"


def _manage_line(booking) -> str:
    return _("Reschedule or cancel: %(url)s") % {"url": manage_url(booking)}


def _event(booking, *, cancelled: bool, now: datetime, summary: str = "", description: str = "") -> Event:
    # A host's row of a collective meeting tells the client's event (the lead booking's organizer,
    # sequence and place), with only its title and description its own.
    meeting = booking.lead if booking.lead_id else booking
    owner = meeting.meeting_type.owner
    event = Event()
    event.add("uid", booking_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", summary or event_title(booking))
    event.add("location", booking_location(meeting))
    if cancelled:
        # Nothing is left to reschedule or cancel: a link that says so would only mislead.
        description = str(_("This session was cancelled."))
    event.add("description", description or _manage_line(booking))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    organizer = vCalAddress(f"mailto:{owner.email}")
    organizer.params["cn"] = vText(owner.display_name or owner.email)
    event.add("organizer", organizer)
    for host in meeting_hosts(booking):
        if host.pk != owner.pk:  # the other hosts of a collective meeting attend too
            other = vCalAddress(f"mailto:{host.email}")
            other.params["cn"] = vText(_person_name(host))
            other.params["role"] = vText("REQ-PARTICIPANT")
            other.params["partstat"] = vText("ACCEPTED")
            event.add("attendee", other)
    attendee = vCalAddress(f"mailto:{booking.client_email}")
    attendee.params["cn"] = vText(booking.client_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    return event


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def booking_ics(*, booking, cancelled: bool = False, now: datetime | None = None) -> bytes:
    """METHOD:REQUEST for a new or moved booking, METHOD:CANCEL with STATUS:CANCELLED for a cancel."""
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(_event(booking, cancelled=cancelled, now=now or timezone.now()))
    return calendar.to_ical()


def bookings_ics(*, bookings, now: datetime | None = None) -> bytes:
    """One file holding several sessions (a download, or the set booked in one go).

    METHOD:PUBLISH, not REQUEST: an iTIP request carries a single UID, while a published calendar
    may hold many events; the UIDs are the invitations' own, so importing it next to an invitation
    updates the same event instead of adding a second one. A cancelled booking is STATUS:CANCELLED.
    """
    now = now or timezone.now()
    calendar = _calendar("PUBLISH")
    for booking in bookings:
        calendar.add_component(_event(booking, cancelled=not booking.is_confirmed, now=now))
    return calendar.to_ical()


def owner_feed_ics(*, owner, bookings, now: datetime | None = None) -> bytes:
    """The owner's subscription feed (/calendar/<token>.ics): their confirmed sessions, each with
    the UID of the client's own file. METHOD:PUBLISH; a subscribing app replaces what it had with
    each fetch, so a cancelled session simply leaves the feed."""
    now = now or timezone.now()
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", f"{_person(owner)}: bookings")
    for booking in bookings:
        summary = f"{session_name(booking)} with {booking.client_name}"
        contact = booking.client_email + (f", {booking.client_phone}" if booking.client_phone else "")
        description = f"{booking.client_name} ({contact})\n{settings.SITE_URL}/dashboard/bookings/{booking.pk}/"
        calendar.add_component(_event(booking, cancelled=False, now=now, summary=summary, description=description))
    return calendar.to_ical()


def calendar_links(booking) -> dict[str, str]:
    """'Add to calendar' links for Google Calendar and Outlook, built from the booking's start,
    end, title and location (the web calendars' documented "template" and "compose" deep links), in
    the active language: the client's email or page."""
    title, location = event_title(booking), booking_location(booking)
    details = _manage_line(booking)
    start, end = booking.start.astimezone(UTC), booking.end.astimezone(UTC)
    google = urlencode({
        "action": "TEMPLATE", "text": title, "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": details, "location": location,
    })
    outlook = urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": title,
        "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}", "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "body": details, "location": location,
    })
    return {
        "google": f"https://calendar.google.com/calendar/render?{google}",
        "outlook": f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}",
        "ics": f"{manage_url(booking)}calendar.ics",
    }
