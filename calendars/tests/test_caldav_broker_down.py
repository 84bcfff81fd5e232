"""The task queue (the broker) down when a booking commits: the client's booking is made and they
see its confirmation, not an error page; its write waits in the outbox and the sweep of due writes
sends it (calendars.tasks.deliver_all_calendar_writes, every minute). The same for the owner who
saves their choice of calendars."""
from datetime import UTC, timedelta

import pytest
import time_machine
from django.urls import reverse
from kombu.exceptions import OperationalError

from calendars import delivery, tasks
from calendars.models import CalendarWrite, WriteStatus
from calendars.tests.test_caldav import _written, adding_bookings_to, connect
from scheduling.calendar import booking_uid
from scheduling.models import Booking
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_calendar_writes, "delay", refuse)
    monkeypatch.setattr(tasks.refresh_calendar, "delay", refuse)


def test_a_client_books_while_the_broker_is_down_and_the_sweep_writes_the_event(
        owner, client, radicale, broker_down, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        set_weekly_hours(owner, WEEKDAYS_9_TO_5)
        meeting_type = make_meeting_type(owner, name="Intro call", slug="intro")
        work, _connection, work_calendar = adding_bookings_to(owner, radicale)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("public:book_meeting", args=[owner.slug, meeting_type.slug]), {
                "client_name": "Cleo Client", "client_email": "cleo@example.com", "client_phone": "",
                "client_timezone": "America/New_York", "start": NINE_AM.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert CalendarWrite.objects.get().status == WriteStatus.PENDING

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        delivery.writes_deliver(calendar_id=work_calendar.pk)
    assert _written(radicale, work, booking_uid(booking)) is not None


def test_the_owner_saves_their_choice_of_calendars_while_the_broker_is_down(
        owner, owner_client, radicale, broker_down, django_capture_on_commit_callbacks):
    work = radicale.make_calendar("Work")
    connection = connect(owner, radicale)
    work_calendar = connection.calendars.get(url=work)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        owner_client.force_login(owner)
        response = owner_client.post(f"/dashboard/settings/calendars/{connection.pk}/", {
            "checked": [str(work_calendar.pk)], "add_bookings": str(work_calendar.pk), "all_day_busy": "on"})

    assert response.status_code == 302
    work_calendar.refresh_from_db()
    assert work_calendar.check_conflicts and work_calendar.add_bookings
