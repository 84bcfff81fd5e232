"""Weekly hours and date overrides that run across midnight: 22:00–24:00 one day and 00:00–02:00
the next are one stretch of free time, as two touching rows of one day are (scheduling/slots.py)."""
import re
from datetime import date, time

import pytest
import time_machine
from django.urls import reverse

from scheduling.models import DateOverride
from tests import NOW, make_meeting_type, set_weekly_hours

# Tuesday 1 December 2026, 07:00 in New York (the `owner` fixture's zone); Monday 7 December is next week.
LATE_EVENING, EARLY_MORNING = (time(22), time(0)), (time(0), time(2))


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def times_on(client, meeting_type, day: str) -> list[str]:
    """The times the booking page's picker offers on `day`, as the client reads them (New York)."""
    url = reverse("public:book_meeting", args=[meeting_type.owner.slug, meeting_type.slug])
    html = client.get(url, {"fragment": "picker", "tz": "America/New_York", "date": day}).content.decode()
    return re.findall(r'<a class="slot"[^>]*>([^<]+)</a>', html)


def test_an_hour_at_half_past_eleven_on_monday_runs_into_tuesdays_early_hours(client, owner):
    set_weekly_hours(owner, {0: [LATE_EVENING], 1: [EARLY_MORNING]})
    meeting_type = make_meeting_type(owner, duration_minutes=60, slot_step_minutes=30)

    assert times_on(client, meeting_type, "2026-12-07") == ["10:00 PM", "10:30 PM", "11:00 PM", "11:30 PM"]
    assert times_on(client, meeting_type, "2026-12-08") == ["12:00 AM", "12:30 AM", "1:00 AM"]


def test_without_tuesdays_early_hours_monday_ends_at_midnight(client, owner):
    set_weekly_hours(owner, {0: [LATE_EVENING], 2: [EARLY_MORNING]})
    meeting_type = make_meeting_type(owner, duration_minutes=60, slot_step_minutes=30)

    assert times_on(client, meeting_type, "2026-12-07") == ["10:00 PM", "10:30 PM", "11:00 PM"]


def test_date_overrides_run_across_midnight_too(client, owner):
    # Thursday 10 December opens late (an override); Friday 11 starts at midnight (another one).
    set_weekly_hours(owner, {})
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 10), start_time=time(22), end_time=time(0))
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 11), start_time=time(0), end_time=time(1))
    meeting_type = make_meeting_type(owner, duration_minutes=60, slot_step_minutes=30)

    assert times_on(client, meeting_type, "2026-12-10") == ["10:00 PM", "10:30 PM", "11:00 PM", "11:30 PM"]


def test_an_override_closing_the_next_day_ends_the_stretch_at_midnight(client, owner):
    # Friday's weekly hours start at midnight, but an override closes Friday 11 December.
    set_weekly_hours(owner, {3: [LATE_EVENING], 4: [EARLY_MORNING]})
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 11))
    meeting_type = make_meeting_type(owner, duration_minutes=60, slot_step_minutes=30)

    assert times_on(client, meeting_type, "2026-12-10") == ["10:00 PM", "10:30 PM", "11:00 PM"]
    assert times_on(client, meeting_type, "2026-12-03") == ["10:00 PM", "10:30 PM", "11:00 PM", "11:30 PM"]
