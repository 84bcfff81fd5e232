"""A booking in calendars: the .ics (one VEVENT per booking, built with icalendar) that booking
emails attach and the booking and order pages offer, and the "Add to calendar" links.

The UID is stable for the life of a booking so calendar apps update (reschedule) or remove
(cancel) the event they already have; SEQUENCE is the booking's sequence, raised on each move.
"""
from datetime import UTC, datetime
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Leadmonk//Session packs//EN"


def booking_uid(booking) -> str:
    host = urlparse(settings.SITE_URL).hostname or "leadmonk.local"
    return f"booking-{booking.pk}@{host}"


def session_name(booking) -> str:
    """What the session is called to the client: a package session keeps the name its order was
    sold with (the order's snapshot, as the order page shows it), even if the meeting type was
    renamed since; a direct booking uses the meeting type's name."""
    if booking.order_item_id:
        return booking.order_item.meeting_type_name
    return booking.meeting_type.name


def booking_location(booking) -> str:
    meeting_type = booking.meeting_type
    label = meeting_type.get_location_kind_display()
    return f"{label}: {meeting_type.location_details}" if meeting_type.location_details else label


def event_title(booking) -> str:
    owner = booking.meeting_type.owner
    return f"{session_name(booking)} with {owner.display_name or owner.email}"


def manage_url(booking) -> str:
    return f"{settings.SITE_URL}/bookings/{booking.token}/"


def _event(booking, *, cancelled: bool, now: datetime) -> Event:
    owner = booking.meeting_type.owner
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", event_title(booking))
    event.add("location", booking_location(booking))
    event.add("description", f"Reschedule or cancel: {manage_url(booking)}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    organizer = vCalAddress(f"mailto:{owner.email}")
    organizer.params["cn"] = vText(owner.display_name or owner.email)
    event.add("organizer", organizer)
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


def calendar_links(booking) -> dict[str, str]:
    """'Add to calendar' links for Google Calendar and Outlook, built from the booking's start,
    end, title and location (the web calendars' documented "template" and "compose" deep links)."""
    title, location = event_title(booking), booking_location(booking)
    details = f"Reschedule or cancel: {manage_url(booking)}"
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
