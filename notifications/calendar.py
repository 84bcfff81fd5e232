"""The .ics attachment of booking emails: one VEVENT per booking, built with icalendar.

The UID is stable for the life of a booking so calendar apps update (reschedule) or remove
(cancel) the event they already have; SEQUENCE is the booking's sequence, raised on each move.
"""
from datetime import UTC, datetime
from urllib.parse import urlparse

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


def booking_ics(*, booking, cancelled: bool = False, now: datetime | None = None) -> bytes:
    """METHOD:REQUEST for a new or moved booking, METHOD:CANCEL with STATUS:CANCELLED for a cancel."""
    owner = booking.meeting_type.owner
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", f"{session_name(booking)} with {owner.display_name or owner.email}")
    event.add("location", booking_location(booking))
    event.add("description", f"Reschedule or cancel: {settings.SITE_URL}/bookings/{booking.token}/")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    organizer = vCalAddress(f"mailto:{owner.email}")
    organizer.params["cn"] = vText(owner.display_name or owner.email)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.client_email}")
    attendee.params["cn"] = vText(booking.client_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
