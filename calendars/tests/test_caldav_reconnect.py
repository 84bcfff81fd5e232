"""A CalDAV account removed and connected again: the events written into its calendars before are
still the bookings' own. They follow their bookings (moved, removed) where they are, are not written a
second time into another calendar, and are not read back as busy times."""
from datetime import timedelta

import pytest
import time_machine

from calendars import services
from calendars.models import CalendarConnection, CalendarWrite
from calendars.tests.test_caldav import _written, adding_bookings_to, connect
from scheduling.calendar import booking_uid
from scheduling.models import BookedBy, ExternalBusy
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from tests import NINE_AM, NOW, TEN_AM, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

LIST = "/dashboard/settings/calendars/"


def _book(meeting_type, start, name: str):
    return booking_create(meeting_type=meeting_type, start=start, client_name=name,
                          client_email=f"{name.lower()}@example.com")


def test_events_written_before_the_account_was_removed_follow_their_bookings_once_it_is_back(
        owner, owner_client, radicale, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Coaching")
        work, connection, _work_calendar = adding_bookings_to(owner, radicale)
        coaching = radicale.make_calendar("Coaching")
        moved = _book(meeting_type, NINE_AM, "Kim")
        dropped = _book(meeting_type, TEN_AM, "Dee")
    assert len(radicale.event_names(work)) == 2
    with time_machine.travel(NOW, tick=False):
        owner_client.force_login(owner)
        owner_client.post(f"{LIST}{connection.pk}/remove/")
    assert not CalendarConnection.objects.filter(owner=owner).exists()

    # Connected again; bookings now go to "Coaching", and "Work" is checked for conflicts.
    with time_machine.travel(NOW + timedelta(hours=1), tick=False), django_capture_on_commit_callbacks(execute=True):
        again = connect(owner, radicale)
        work_again, coaching_calendar = again.calendars.get(url=work), again.calendars.get(url=coaching)
        services.caldav_choose(connection=again, checked_ids={work_again.pk}, add_bookings_id=coaching_calendar.pk)
        services.connection_refresh(connection_id=again.pk, force=True)
        booking_reschedule(booking=moved, new_start=NINE_AM + timedelta(days=1), by=BookedBy.OWNER)
        booking_cancel(booking=dropped, by=BookedBy.OWNER)
        later = _book(meeting_type, NINE_AM + timedelta(days=2), "Lu")

    # The coach's own events are no busy times of theirs; each booking has one event, where it was.
    assert not ExternalBusy.objects.filter(owner=owner).exists()
    assert radicale.event_names(work) == [f"{booking_uid(moved)}.ics"]
    assert _written(radicale, work, booking_uid(moved)).decoded("DTSTART") == NINE_AM + timedelta(days=1)
    assert radicale.event_names(coaching) == [f"{booking_uid(later)}.ics"]


def test_a_cancel_still_removes_the_event_when_the_account_is_back_without_adding_bookings(
        owner, owner_client, radicale, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Coaching")
        work, connection, _work_calendar = adding_bookings_to(owner, radicale)
        booking = _book(meeting_type, NINE_AM, "Kim")
    assert radicale.event_names(work) == [f"{booking_uid(booking)}.ics"]
    services.connection_remove(connection=connection)

    with time_machine.travel(NOW + timedelta(hours=1), tick=False), django_capture_on_commit_callbacks(execute=True):
        connect(owner, radicale)  # nothing chosen yet: bookings are added to no calendar
        booking_cancel(booking=booking, by=BookedBy.OWNER)

    assert radicale.event_names(work) == []


def test_writes_waiting_when_the_account_was_removed_are_sent_once_it_is_back(
        owner, radicale, django_capture_on_commit_callbacks):
    from calendars import delivery
    from calendars.models import Calendar, WriteStatus
    from tests.calendar_servers import free_port

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Coaching")
        work, connection, work_calendar = adding_bookings_to(owner, radicale)
        Calendar.objects.filter(pk=work_calendar.pk).update(url=f"http://127.0.0.1:{free_port()}/coach/work/")
        booking = _book(meeting_type, NINE_AM, "Kim")
    assert CalendarWrite.objects.get().attempts == 1  # it waits: the server is down
    Calendar.objects.filter(pk=work_calendar.pk).update(url=work)
    services.connection_remove(connection=connection)

    # Until it is back, the sweep of due writes leaves it be (it has no calendar to go to).
    assert delivery.calendars_with_due_writes(NOW + timedelta(hours=1)) == []

    with time_machine.travel(NOW + timedelta(hours=1), tick=False), django_capture_on_commit_callbacks(execute=True):
        again = connect(owner, radicale)
    delivery.writes_deliver(calendar_id=again.calendars.get(url=work).pk, now=NOW + timedelta(hours=1))

    assert radicale.event_names(work) == [f"{booking_uid(booking)}.ics"]
    assert list(CalendarWrite.objects.values_list("status", flat=True)) == [WriteStatus.SENT]


@pytest.mark.django_db(transaction=True)
def test_writes_made_before_the_migration_know_the_address_of_their_calendar():
    """calendars 0004 copied each write's calendar address, so an account written to before it and
    removed after it is taken up again too."""
    from tests import make_booking, make_owner
    from tests.migrations import migrate, reset_to_latest

    owner = make_owner()
    booking = make_booking(make_meeting_type(owner), NINE_AM)
    before = [("calendars", "0003_calendar_read_in_zone")]
    executor = migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        OldConnection, OldCalendar, OldWrite = (old.get_model("calendars", name) for name in
                                                ("CalendarConnection", "Calendar", "CalendarWrite"))
        connection = OldConnection.objects.create(owner_id=owner.pk, kind="caldav", name="R",
                                                  url="https://dav.example.com/")
        work = OldCalendar.objects.create(owner_id=owner.pk, connection=connection, name="Work",
                                          url="https://dav.example.com/coach/work/")
        OldWrite.objects.create(owner_id=owner.pk, calendar=work, booking_id=booking.pk, uid="booking-1@x",
                                action="put", next_attempt_at=NOW)
        migrate([("calendars", "0004_write_keeps_calendar_url")])
        assert list(CalendarWrite.objects.values_list("calendar_url", flat=True)) == ["https://dav.example.com/coach/work/"]
    finally:
        reset_to_latest()
