"""The coach changes where a meeting type meets (or its bookings get a video room each): the
events already written to their CalDAV calendar for the sessions still ahead follow, through the
same outbox as a move; the sessions that are over keep the place they were held at."""
from datetime import timedelta

import pytest
import time_machine

from calendars.models import Calendar, CalendarWrite, WriteAction, WriteStatus
from calendars.tests.test_caldav import _written, adding_bookings_to
from scheduling.calendar import booking_uid
from scheduling.models import Booking, LocationKind
from scheduling.services import booking_create
from scheduling.setup_services import meeting_type_update
from teams.models import TeamMeetingKind
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours
from tests.calendar_servers import free_port

OLD_LINK = "https://meet.example.com/old-room"
NEXT_WEEK = NINE_AM + timedelta(days=7)


def _book(meeting_type, start, name: str):
    return booking_create(meeting_type=meeting_type, start=start, client_name=name,
                          client_email=f"{name.lower()}@example.com")


def test_a_new_address_reaches_the_events_of_the_sessions_still_ahead(owner, radicale,
                                                                       django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Coaching", location_kind=LocationKind.VIDEO,
                                         location_details=OLD_LINK)
        work, _connection, _calendar = adding_bookings_to(owner, radicale)
        held = _book(meeting_type, NINE_AM, "Kim")
        ahead = _book(meeting_type, NEXT_WEEK, "Dee")

    # Kim's session is over; the coach now meets clients at the office.
    with time_machine.travel(NINE_AM + timedelta(days=2), tick=False), django_capture_on_commit_callbacks(execute=True):
        meeting_type_update(meeting_type=meeting_type, location_kind=LocationKind.IN_PERSON,
                            location_details="12 Harbour Street, Boston")

    written = _written(radicale, work, booking_uid(ahead))
    assert str(written["LOCATION"]) == "In person: 12 Harbour Street, Boston"
    assert "Where: In person: 12 Harbour Street, Boston" in str(written["DESCRIPTION"]).splitlines()
    assert written.decoded("DTSTART") == NEXT_WEEK
    assert str(_written(radicale, work, booking_uid(held))["LOCATION"]) == f"Video call: {OLD_LINK}"
    assert radicale.event_names(work) == sorted([f"{booking_uid(held)}.ics", f"{booking_uid(ahead)}.ics"])


def test_a_save_that_leaves_the_event_as_it_was_writes_nothing(owner, radicale, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Coaching", location_kind=LocationKind.VIDEO,
                                         location_details=OLD_LINK)
        adding_bookings_to(owner, radicale)
        _book(meeting_type, NINE_AM, "Kim")
        meeting_type_update(meeting_type=meeting_type, min_notice_minutes=120, location_details=OLD_LINK)

    assert CalendarWrite.objects.count() == 1


def test_bookings_given_a_video_room_each_show_their_room_in_the_coachs_calendar(
        owner, radicale, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Coaching", location_kind=LocationKind.VIDEO,
                                         location_details=OLD_LINK)
        work, _connection, _calendar = adding_bookings_to(owner, radicale)
        booking = _book(meeting_type, NINE_AM, "Kim")
        meeting_type_update(meeting_type=meeting_type, location_kind=LocationKind.VIDEO_ROOM, location_details="")

    booking.refresh_from_db()
    assert booking.video_room_url
    assert str(_written(radicale, work, booking_uid(booking))["LOCATION"]) == f"Video room: {booking.video_room_url}"


def test_a_new_place_waits_in_the_outbox_while_the_server_is_down_and_arrives_after_the_booking(
        owner, owner_client, radicale, django_capture_on_commit_callbacks):
    from calendars import delivery

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Coaching", location_kind=LocationKind.VIDEO,
                                         location_details=OLD_LINK)
        work, _connection, work_calendar = adding_bookings_to(owner, radicale)
        Calendar.objects.filter(pk=work_calendar.pk).update(url=f"http://127.0.0.1:{free_port()}/coach/work/")
        booking = _book(meeting_type, NINE_AM, "Kim")
        meeting_type_update(meeting_type=meeting_type, location_details="https://meet.example.com/new-room")
    with time_machine.travel(NOW, tick=False):
        owner_client.force_login(owner)
        page = owner_client.get("/dashboard/settings/calendars/").text

    rows = list(CalendarWrite.objects.order_by("id").values_list("action", "status"))
    assert rows == [(WriteAction.PUT, WriteStatus.PENDING), (WriteAction.PUT, WriteStatus.PENDING)]
    assert "2 changes waiting since" in page

    Calendar.objects.filter(pk=work_calendar.pk).update(url=work)  # the server is back
    assert delivery.writes_deliver(calendar_id=work_calendar.pk, now=NOW + timedelta(hours=1)) == 2
    assert str(_written(radicale, work, booking_uid(booking))["LOCATION"]) == "Video call: https://meet.example.com/new-room"


# --- Team meeting types: the hosts' copies are written by teams, not saved one by one -------------

TEAM_TYPE = {"name": "Intro call", "slug": "intro-call", "duration_minutes": 30, "slot_step_minutes": 30,
             "min_notice_minutes": 0, "horizon_days": 60, "location_kind": LocationKind.VIDEO,
             "location_details": OLD_LINK}


def _team_type_edit(team_type, **changes):
    """What the team editor saves: the type's fields as they are, with `changes`, and its hosts."""
    from teams import services as team_services

    fields = {**{name: getattr(team_type, name) for name in TEAM_TYPE}, "kind": team_type.kind, **changes}
    return team_services.team_meeting_type_save(team=team_type.team, by=team_type.team.owner, fields=fields,
                                                memberships=list(team_type.team.memberships.all()),
                                                team_meeting_type=team_type, now=NOW)


def _team_with_ben(owner, radicale, kind):
    """The coach's team with Ben, a collective or round-robin type on a video link, both hosts
    adding bookings to a CalDAV calendar of their own: Ben's calendar's address and the type."""
    from calendars.tests.test_caldav_team_meetings import _adds_bookings_to
    from tests import make_member, make_team, make_team_meeting_type

    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben")
    team = make_team(owner, members=[ben])
    _adds_bookings_to(owner, radicale, "Coach work")
    ben_calendar = _adds_bookings_to(ben, radicale, "Ben work")
    team_type = make_team_meeting_type(team, kind=kind, now=NOW, **{name: value for name, value in TEAM_TYPE.items()
                                                                     if name not in ("name", "slug")})
    return ben, ben_calendar, team_type


@pytest.mark.parametrize("kind", [TeamMeetingKind.COLLECTIVE, TeamMeetingKind.ROUND_ROBIN])
def test_a_team_types_new_address_reaches_each_hosts_event(owner, radicale, kind,
                                                           django_capture_on_commit_callbacks):
    from teams import services as team_services

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        ben, ben_calendar, team_type = _team_with_ben(owner, radicale, kind)
        # Round robin: the coach takes one meeting and Ben the other; collective: Ben is at both.
        for start, name in ((NINE_AM, "Ana"), (NEXT_WEEK, "Dee")):
            team_services.team_booking_create(team_meeting_type=team_type, start=start, client_name=name,
                                              client_email=f"{name.lower()}@example.com", now=NOW)
    bens = list(Booking.objects.filter(owner=ben).select_related("lead"))
    assert len(bens) == (2 if kind == TeamMeetingKind.COLLECTIVE else 1)
    for booking in bens:
        assert str(_written(radicale, ben_calendar, booking_uid(booking.lead or booking))["LOCATION"]) == \
            f"Video call: {OLD_LINK}"

    # Before the first meeting the team now meets at the office.
    with time_machine.travel(NOW + timedelta(days=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        _team_type_edit(team_type, location_kind=LocationKind.IN_PERSON, location_details="12 Harbour Street, Boston")

    for booking in bens:
        written = _written(radicale, ben_calendar, booking_uid(booking.lead or booking))
        assert str(written["LOCATION"]) == "In person: 12 Harbour Street, Boston"
        assert "Where: In person: 12 Harbour Street, Boston" in str(written["DESCRIPTION"]).splitlines()
        assert written.decoded("DTSTART") == booking.start


def test_a_team_type_saved_with_its_place_as_it_was_writes_nothing(owner, radicale,
                                                                   django_capture_on_commit_callbacks):
    from teams import services as team_services

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        _ben, _ben_calendar, team_type = _team_with_ben(owner, radicale, TeamMeetingKind.COLLECTIVE)
        team_services.team_booking_create(team_meeting_type=team_type, start=NINE_AM, client_name="Ana",
                                          client_email="ana@example.com", now=NOW)
        written = CalendarWrite.objects.count()
        _team_type_edit(team_type, min_notice_minutes=120)
        _team_type_edit(team_type)

    assert written == 2  # the coach's event and Ben's
    assert CalendarWrite.objects.count() == written
