"""CalDAV accounts against a real server (Radicale, started by the `radicale` fixture): reading
busy times from the chosen calendars, and writing every booking, move and cancel into the one
chosen as "Add bookings to", through the outbox."""
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine

from calendars import delivery, services
from calendars.models import Calendar, CalendarConnection, CalendarWrite, WriteStatus
from calendars.tests.ics_samples import calendar, event
from scheduling.calendar import booking_uid
from scheduling.models import BookedBy, ExternalBusy
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from tests import NINE_AM, NOW, TEN_AM, WEEKDAYS_9_TO_5, make_meeting_type, make_order, set_weekly_hours
from tests.calendar_servers import RADICALE_PASSWORD, RADICALE_USER, free_port

LIST = "/dashboard/settings/calendars/"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def connect(owner, radicale, **kw) -> CalendarConnection:
    return services.caldav_add(owner=owner, url=radicale.url, username=RADICALE_USER, password=RADICALE_PASSWORD,
                               name="Radicale", all_day_busy=True, **kw)


def adding_bookings_to(owner, radicale, *, checked: bool = False) -> tuple[str, CalendarConnection, Calendar]:
    """The owner's CalDAV account with a new calendar "Work" that bookings are added to (and that
    is checked for conflicts, when `checked`): its address, the connection and the calendar."""
    work = radicale.make_calendar("Work")
    connection = connect(owner, radicale)
    work_calendar = connection.calendars.get(url=work)
    services.caldav_choose(connection=connection, checked_ids={work_calendar.pk} if checked else set(),
                           add_bookings_id=work_calendar.pk)
    return work, connection, work_calendar


def test_the_owner_connects_an_account_and_chooses_the_calendars_to_check(owner, owner_client, radicale,
                                                                         django_capture_on_commit_callbacks):
    work = radicale.make_calendar("Work")
    radicale.make_calendar("Birthdays")
    radicale.put(work, "standup", calendar(event("standup", "20261207T150000Z", "20261207T153000Z")))

    response = owner_client.post(LIST, {"form": "caldav", "caldav-url": radicale.url,
                                        "caldav-username": RADICALE_USER, "caldav-password": RADICALE_PASSWORD,
                                        "caldav-name": "Radicale", "caldav-all_day_busy": "on"}, follow=True)

    assert "Choose the calendars to check for conflicts." in response.text
    assert "Work" in response.text and "Birthdays" in response.text
    connection = CalendarConnection.objects.get(owner=owner)
    assert RADICALE_PASSWORD not in connection.password_encrypted  # stored encrypted
    assert RADICALE_PASSWORD not in response.text
    work_calendar = connection.calendars.get(url=work)

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        owner_client.force_login(owner)
        response = owner_client.post(f"{LIST}{connection.pk}/", {
            "checked": [str(work_calendar.pk)], "add_bookings": str(work_calendar.pk), "all_day_busy": "on"},
            follow=True)
        page = owner_client.get(LIST).text

    assert "Saved." in response.text
    assert list(ExternalBusy.objects.filter(owner=owner).values_list("start", "end")) == [
        (utc(2026, 12, 7, 15, 0), utc(2026, 12, 7, 15, 30))]
    assert "Work — checked for conflicts — bookings are added here" in page
    assert RADICALE_PASSWORD not in page


def test_a_wrong_password_is_refused_and_nothing_is_saved(owner, owner_client, radicale):
    response = owner_client.post(LIST, {"form": "caldav", "caldav-url": radicale.url,
                                        "caldav-username": RADICALE_USER, "caldav-password": "wrong"})

    assert response.status_code == 400
    assert "The server refused the user name or app password." in response.text
    assert 'id="id_caldav-password_helptext"' in response.text.split("The server refused")[0][-3000:]  # by the field
    assert not CalendarConnection.objects.exists()


def test_a_server_that_is_not_there_is_refused(owner, owner_client):
    response = owner_client.post(LIST, {"form": "caldav", "caldav-url": f"http://127.0.0.1:{free_port()}/",
                                        "caldav-username": "x", "caldav-password": "y"})

    assert "The server could not be reached." in response.text
    assert not CalendarConnection.objects.exists()


def test_a_calendar_unchanged_since_the_last_refresh_is_not_read_again(owner, radicale):
    work = radicale.make_calendar("Work")
    radicale.put(work, "a", calendar(event("a", "20261207T150000Z", "20261207T153000Z")))
    connection = connect(owner, radicale)
    services.caldav_choose(connection=connection, checked_ids={connection.calendars.get(url=work).pk},
                           add_bookings_id=None)

    assert services.connection_refresh(connection_id=connection.pk, now=NOW) is True
    assert Calendar.objects.get(url=work).change_tag  # the ctag is kept
    assert services.connection_refresh(connection_id=connection.pk, now=NOW) is False

    radicale.put(work, "b", calendar(event("b", "20261208T150000Z", "20261208T153000Z")))
    assert services.connection_refresh(connection_id=connection.pk, now=NOW) is True
    assert ExternalBusy.objects.filter(owner=owner).count() == 2


def test_a_day_off_moves_with_the_owner_who_sets_their_time_zone_though_the_calendar_is_unchanged(owner, radicale):
    """All-day events (and times without a zone) are the owner's days and hours: an owner who sets
    their time zone after connecting (a new account starts in UTC) has them read again in it."""
    owner.timezone = "UTC"
    owner.save(update_fields=["timezone"])
    work = radicale.make_calendar("Work")
    radicale.put(work, "off", calendar(event("off", ";VALUE=DATE:20261210", ";VALUE=DATE:20261211")))
    connection = connect(owner, radicale)
    services.caldav_choose(connection=connection, checked_ids={connection.calendars.get(url=work).pk},
                           add_bookings_id=None)
    services.connection_refresh(connection_id=connection.pk, now=NOW)
    assert sorted(ExternalBusy.objects.values_list("start", flat=True))[0] == utc(2026, 12, 10, 0, 0)

    owner.timezone = "Asia/Tokyo"
    owner.save(update_fields=["timezone"])
    services.connection_refresh(connection_id=connection.pk, now=NOW + timedelta(minutes=5))

    # 10 December in Tokyo: 15:00 UTC on the 9th to 15:00 UTC on the 10th (in pieces of 12 hours).
    assert sorted(ExternalBusy.objects.values_list("start", "end")) == [
        (utc(2026, 12, 9, 15, 0), utc(2026, 12, 10, 3, 0)), (utc(2026, 12, 10, 3, 0), utc(2026, 12, 10, 15, 0))]


def _written(radicale, calendar_url: str, uid: str):
    text = radicale.get(calendar_url, uid)
    return None if text is None else icalendar.Calendar.from_ical(text).walk("VEVENT")[0]


def test_bookings_moves_and_cancels_are_written_to_the_chosen_calendar(owner, radicale,
                                                                       django_capture_on_commit_callbacks):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Coaching")
    work, connection, work_calendar = adding_bookings_to(owner, radicale, checked=True)

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Cleo Client",
                                 client_email="cleo@example.com", client_phone="+12025550123")
    uid = booking_uid(booking)
    written = _written(radicale, work, uid)
    assert written is not None and str(written["UID"]) == uid
    assert str(written["SUMMARY"]) == "Coaching with Cleo Client"
    assert "Cleo Client <cleo@example.com>" in str(written["DESCRIPTION"])
    assert written.decoded("DTSTART") == NINE_AM

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=booking, new_start=TEN_AM, by=BookedBy.OWNER)
    assert _written(radicale, work, uid).decoded("DTSTART") == TEN_AM
    assert radicale.event_names(work) == [f"{uid}.ics"]  # the same event, moved

    # Our own event in a calendar that is checked for conflicts is not read back as busy.
    with time_machine.travel(NOW, tick=False):
        services.connection_refresh(connection_id=connection.pk, force=True)
    assert not ExternalBusy.objects.filter(owner=owner).exists()

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by=BookedBy.OWNER)
    assert _written(radicale, work, uid) is None
    assert set(CalendarWrite.objects.values_list("status", flat=True)) == {WriteStatus.SENT}


def test_a_package_session_reaches_the_coachs_calendar_with_the_clients_answers_and_the_meeting(
        owner, radicale, django_capture_on_commit_callbacks):
    from orders.models import OrderStatus
    from orders.services import order_session_book
    from scheduling.models import LocationKind, PhoneCaller

    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Strategy call", duration_minutes=45, slot_step_minutes=15,
                                     description="Bring last quarter's numbers.", location_kind=LocationKind.PHONE,
                                     phone_caller=PhoneCaller.HOST)
    order = make_order(owner, meeting_type, sessions=2, with_items=True, status=OrderStatus.ACTIVE,
                       client_name="Cleo Client", client_phone="+12025550123",
                       answers=[{"question": "What do you want to work on?", "kind": "text", "answer": "Pricing"},
                                {"question": "First coaching?", "kind": "checkbox", "answer": True}])
    work, _connection, _calendar = adding_bookings_to(owner, radicale)

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking = order_session_book(item=order.items.get(), start=NINE_AM)
    written = _written(radicale, work, booking_uid(booking))
    assert str(written["SUMMARY"]) == "Strategy call with Cleo Client"
    description = str(written["DESCRIPTION"]).splitlines()
    assert "Client: Cleo Client <cleo@example.com>" in description
    assert "Phone: +12025550123" in description
    assert f"Where: Phone call: {owner.display_name or owner.email} calls Cleo Client on +12025550123" in description
    assert "Session: Strategy call, 45 min" in description
    assert "About: Bring last quarter's numbers." in description
    assert "What do you want to work on?: Pricing" in description
    assert "First coaching?: Yes" in description
    assert written.decoded("DTEND") - written.decoded("DTSTART") == timedelta(minutes=45)


def test_a_direct_booking_event_has_no_answers_heading(owner, radicale, django_capture_on_commit_callbacks):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Intro")
    work, _connection, _calendar = adding_bookings_to(owner, radicale)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Kim", client_email="k@example.com")
    description = str(_written(radicale, work, booking_uid(booking))["DESCRIPTION"]).splitlines()
    assert "Session: Intro, 30 min" in description
    assert "Answers:" not in description
    assert description[-1].endswith(f"/dashboard/bookings/{booking.pk}/")


def test_a_server_that_was_down_gets_the_writes_when_it_is_back_in_order_once(owner, radicale,
                                                                              django_capture_on_commit_callbacks):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    work, connection, work_calendar = adding_bookings_to(owner, radicale)
    Calendar.objects.filter(pk=work_calendar.pk).update(url=f"http://127.0.0.1:{free_port()}/coach/work/")  # down

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        kept = booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Kim", client_email="k@example.com")
        dropped = booking_create(meeting_type=meeting_type, start=TEN_AM, client_name="Dee", client_email="d@example.com")
        booking_reschedule(booking=kept, new_start=NINE_AM + timedelta(minutes=30), by=BookedBy.OWNER)
        booking_cancel(booking=dropped, by=BookedBy.OWNER)
    waiting = list(CalendarWrite.objects.order_by("id"))
    assert [row.status for row in waiting] == [WriteStatus.PENDING] * 4
    assert waiting[0].attempts == 1 and "could not be reached" in waiting[0].last_error
    assert all(row.attempts == 0 for row in waiting[1:])  # the later ones waited behind the first

    Calendar.objects.filter(pk=work_calendar.pk).update(url=work)  # the server is back
    later = NOW + timedelta(hours=1)
    assert delivery.writes_deliver(calendar_id=work_calendar.pk, now=later) == 4
    assert delivery.writes_deliver(calendar_id=work_calendar.pk, now=later) == 0  # once

    assert radicale.event_names(work) == [f"{booking_uid(kept)}.ics"]
    assert _written(radicale, work, booking_uid(kept)).decoded("DTSTART") == NINE_AM + timedelta(minutes=30)
    assert set(CalendarWrite.objects.values_list("status", flat=True)) == {WriteStatus.SENT}


def test_no_write_is_queued_for_a_booking_that_rolled_back(owner, radicale):
    from django.db import transaction

    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    work, _connection, _calendar = adding_bookings_to(owner, radicale)

    class Undo(Exception):
        pass

    try:
        with time_machine.travel(NOW, tick=False), transaction.atomic():
            booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Kim", client_email="k@example.com")
            assert CalendarWrite.objects.count() == 1  # written in the booking's transaction
            raise Undo
    except Undo:
        pass
    assert not CalendarWrite.objects.exists()
    assert radicale.event_names(work) == []


def test_a_booking_written_before_the_owner_chose_another_calendar_is_moved_and_removed_where_it_is(
        owner, radicale, django_capture_on_commit_callbacks):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    work, coaching = radicale.make_calendar("Work"), radicale.make_calendar("Coaching")
    connection = connect(owner, radicale)
    work_calendar, coaching_calendar = connection.calendars.get(url=work), connection.calendars.get(url=coaching)
    services.caldav_choose(connection=connection, checked_ids=set(), add_bookings_id=work_calendar.pk)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        moved = booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Kim", client_email="k@example.com")
        dropped = booking_create(meeting_type=meeting_type, start=TEN_AM, client_name="Dee", client_email="d@example.com")
    assert radicale.event_names(work) == sorted([f"{booking_uid(moved)}.ics", f"{booking_uid(dropped)}.ics"])

    # Bookings are added to another calendar from now on.
    services.caldav_choose(connection=connection, checked_ids=set(), add_bookings_id=coaching_calendar.pk)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=moved, new_start=NINE_AM + timedelta(days=1), by=BookedBy.OWNER)
        booking_cancel(booking=dropped, by=BookedBy.OWNER)

    # One event per booking in the owner's calendars, at its new time; the cancelled one is gone.
    events = radicale.event_names(work) + radicale.event_names(coaching)
    assert events == [f"{booking_uid(moved)}.ics"]
    found = _written(radicale, work, booking_uid(moved)) or _written(radicale, coaching, booking_uid(moved))
    assert found.decoded("DTSTART") == NINE_AM + timedelta(days=1)


def test_a_server_that_answers_a_write_with_a_redirect_has_not_written_it():
    """A calendar moved on the server answers PUT and DELETE with a 3xx, which writes nothing:
    it must not count as written (the write stays pending, its error recorded, and is tried again)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from calendars import dav

    class Moved(BaseHTTPRequestHandler):
        def _moved(self):
            self.send_response(301)
            self.send_header("Location", "/new-home/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_DELETE = _moved  # noqa: N815 - http.server's names

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Moved)
    Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/calendars/work/"
    try:
        with pytest.raises(dav.DavError, match="moved"):
            dav.put_event(url, ("u", "p"), uid="booking-1@leadmonk", ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        with pytest.raises(dav.DavError, match="moved"):
            dav.delete_event(url, ("u", "p"), uid="booking-1@leadmonk")
    finally:
        server.shutdown()
        server.server_close()


def test_bookings_written_before_the_owner_stopped_adding_them_are_still_moved_and_removed(
        owner, radicale, django_capture_on_commit_callbacks):
    """"Add bookings to: none" stops new events; the ones already in the calendar still follow
    their bookings, else a cancelled session stays in the coach's calendar (and a moved one at its
    old time)."""
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    work, connection, work_calendar = adding_bookings_to(owner, radicale)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        moved = booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Kim", client_email="k@example.com")
        dropped = booking_create(meeting_type=meeting_type, start=TEN_AM, client_name="Dee", client_email="d@example.com")

    services.caldav_choose(connection=connection, checked_ids=set(), add_bookings_id=None)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=moved, new_start=NINE_AM + timedelta(days=1), by=BookedBy.OWNER)
        booking_cancel(booking=dropped, by=BookedBy.OWNER)
        later = booking_create(meeting_type=meeting_type, start=NINE_AM + timedelta(days=2), client_name="Lu",
                               client_email="l@example.com")

    assert radicale.event_names(work) == [f"{booking_uid(moved)}.ics"]
    assert _written(radicale, work, booking_uid(moved)).decoded("DTSTART") == NINE_AM + timedelta(days=1)
    assert not CalendarWrite.objects.filter(uid=booking_uid(later)).exists()


def test_bookings_that_cannot_reach_the_chosen_calendar_are_shown_on_the_calendars_page(
        owner, owner_client, radicale, django_capture_on_commit_callbacks):
    """A write the server refuses waits, and every later one behind it: the owner is told, beside
    the account, that their bookings are not in their calendar and why."""
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    work, connection, work_calendar = adding_bookings_to(owner, radicale)
    Calendar.objects.filter(pk=work_calendar.pk).update(url=f"http://127.0.0.1:{free_port()}/coach/work/")  # down

    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):  # the first write is tried, and fails
            booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Kim", client_email="k@example.com")
            booking_create(meeting_type=meeting_type, start=TEN_AM, client_name="Dee", client_email="d@example.com")
        owner_client.force_login(owner)
        page = owner_client.get(LIST).text

    assert "<strong>Bookings are not reaching “Work”:</strong> The server could not be reached." in page
    assert "2 changes waiting since 1 Dec 2026, 7:00 AM; they are sent again by themselves." in page

    Calendar.objects.filter(pk=work_calendar.pk).update(url=work)  # the server is back
    delivery.writes_deliver(calendar_id=work_calendar.pk, now=NOW + timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        owner_client.force_login(owner)
        assert "Bookings are not reaching" not in owner_client.get(LIST).text


def test_a_client_booking_on_a_spanish_page_reaches_the_coachs_calendar_in_english(
        owner, radicale, django_capture_on_commit_callbacks):
    """The coach's event speaks the coach's language (English, as their emails), not the language
    of the page the client booked on."""
    from django.utils import translation

    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Coaching", location_kind="video_room")
    work, _connection, _calendar = adding_bookings_to(owner, radicale)

    with (time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True),
          translation.override("es")):
        booking = booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Cleo Client",
                                 client_email="cleo@example.com")

    written = _written(radicale, work, booking_uid(booking))
    assert str(written["LOCATION"]) == f"Video room: {booking.video_room_url}"
    assert f"Where: Video room: {booking.video_room_url}" in str(written["DESCRIPTION"])


@pytest.mark.parametrize("username, password", [(RADICALE_USER, "pass€word"), ("łukasz", "wrong")])
def test_a_user_name_or_password_beyond_latin_letters_is_checked_by_the_server_not_a_server_error(
        owner, owner_client, radicale, username, password):
    """HTTP Basic credentials go out as UTF-8 (RFC 7617), as CalDAV servers read them: one with a
    '€' or an 'ł' is answered by the server (here: refused), not by an error page."""
    response = owner_client.post(LIST, {"form": "caldav", "caldav-url": radicale.url,
                                        "caldav-username": username, "caldav-password": password})

    assert response.status_code == 400
    assert "The server refused the user name or app password." in response.text
    assert not CalendarConnection.objects.exists()


def test_saving_another_accounts_calendars_keeps_adding_bookings_where_they_go(owner, owner_client, radicale):
    """"Add bookings to" on an account's page lists that account's calendars: its "None" means
    none of them, not "stop adding bookings to the calendar of another account"."""
    work, connection, work_calendar = adding_bookings_to(owner, radicale)
    other = connect(owner, radicale)
    other_work = other.calendars.get(url=work)

    with time_machine.travel(NOW, tick=False):
        owner_client.force_login(owner)
        page = owner_client.get(f"{LIST}{other.pk}/").text
        response = owner_client.post(f"{LIST}{other.pk}/", {"checked": [str(other_work.pk)], "add_bookings": "",
                                                           "all_day_busy": "on"})

    assert "Bookings are added to “Work” of “Radicale”." in page

    assert response.status_code == 302
    work_calendar.refresh_from_db()
    assert work_calendar.add_bookings

    services.caldav_choose(connection=other, checked_ids=set(), add_bookings_id=other_work.pk)  # moves it here
    work_calendar.refresh_from_db()
    assert not work_calendar.add_bookings
    assert Calendar.objects.get(pk=other_work.pk).add_bookings
