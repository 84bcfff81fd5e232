"""A collective team meeting in each host's CalDAV calendar: one meeting, one event. Every host's
event is the client's invitation (its UID, organizer, attendees, sequence), so a host who gets it
twice (their own calendar and a shared one, or the invitation imported beside it) has one event,
and a move or cancel replaces it."""
from datetime import timedelta

import icalendar
import time_machine

from calendars import services
from calendars.tests.test_caldav import _written, connect
from scheduling.calendar import booking_ics, booking_uid
from scheduling.models import BookedBy
from scheduling.services import booking_cancel, booking_reschedule
from teams import services as team_services
from teams.models import TeamMeetingKind
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_member, make_team, make_team_meeting_type, set_weekly_hours


def _adds_bookings_to(user, radicale, name: str) -> str:
    url = radicale.make_calendar(name)
    connection = connect(user, radicale)
    services.caldav_choose(connection=connection, checked_ids=set(),
                           add_bookings_id=connection.calendars.get(url=url).pk)
    return url


def _shared_part(event) -> dict:
    """What an event says about the meeting (not the host's own notes: title and description)."""
    return {
        "uid": str(event["UID"]), "sequence": int(event["SEQUENCE"]), "organizer": str(event["ORGANIZER"]),
        "attendees": sorted(str(attendee) for attendee in event.get("ATTENDEE", [])),
        "start": event.decoded("DTSTART"), "end": event.decoded("DTEND"), "location": str(event["LOCATION"]),
    }


def test_every_host_of_a_collective_meeting_has_the_clients_event(owner, radicale,
                                                                   django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        ben = make_member(email="ben@example.com", slug="ben", display_name="Ben")
        team = make_team(owner, members=[ben])
        collective = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
        owner_calendar = _adds_bookings_to(owner, radicale, "Coach work")
        ben_calendar = _adds_bookings_to(ben, radicale, "Ben work")
        lead = team_services.team_booking_create(team_meeting_type=collective, start=NINE_AM, client_name="Ana",
                                                 client_email="ana@example.com", now=NOW)
    uid = booking_uid(lead)
    clients = _shared_part(icalendar.Calendar.from_ical(booking_ics(booking=lead, now=NOW)).walk("VEVENT")[0])
    for calendar_url in (owner_calendar, ben_calendar):
        event = _written(radicale, calendar_url, uid)
        assert _shared_part(event) == clients
        assert radicale.event_names(calendar_url) == [f"{uid}.ics"]
    assert clients["organizer"] == f"mailto:{owner.email}"
    assert "mailto:ben@example.com" in clients["attendees"]

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=lead, new_start=NINE_AM + timedelta(days=1), by=BookedBy.OWNER)
    lead.refresh_from_db()
    clients = _shared_part(icalendar.Calendar.from_ical(booking_ics(booking=lead, now=NOW)).walk("VEVENT")[0])
    for calendar_url in (owner_calendar, ben_calendar):
        assert _shared_part(_written(radicale, calendar_url, uid)) == clients

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=lead, by=BookedBy.OWNER)
    assert radicale.event_names(owner_calendar) == radicale.event_names(ben_calendar) == []


def test_a_hosts_invitation_and_feed_name_the_meeting_as_their_calendar_event_does(
        owner, radicale, django_capture_on_commit_callbacks):
    from django.core import mail

    from scheduling.calendar import owner_feed_ics

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        ben = make_member(email="ben@example.com", slug="ben", display_name="Ben")
        team = make_team(owner, members=[ben])
        collective = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
        ben_calendar = _adds_bookings_to(ben, radicale, "Ben work")
        mail.outbox.clear()
        lead = team_services.team_booking_create(team_meeting_type=collective, start=NINE_AM, client_name="Ana",
                                                 client_email="ana@example.com", now=NOW)
    bens_row = lead.__class__.objects.get(lead=lead, owner=ben)
    in_calendar = str(_written(radicale, ben_calendar, booking_uid(lead))["UID"])
    to_ben = next(message for message in mail.outbox if message.to == ["ben@example.com"])
    invitation = next(content for name, content, _type in to_ben.attachments if name.endswith(".ics"))
    feed = owner_feed_ics(owner=ben, bookings=[bens_row], now=NOW)
    assert [str(event["UID"]) for event in icalendar.Calendar.from_ical(invitation).walk("VEVENT")] == [in_calendar]
    assert [str(event["UID"]) for event in icalendar.Calendar.from_ical(feed).walk("VEVENT")] == [in_calendar]
    # The lead host organizes it everywhere, and Ben attends, as in the client's invitation.
    for ics in (invitation, feed):
        event = next(iter(icalendar.Calendar.from_ical(ics).walk("VEVENT")))
        assert str(event["ORGANIZER"]) == f"mailto:{owner.email}"
        assert "mailto:ben@example.com" in [str(attendee) for attendee in event.get("ATTENDEE", [])]
