"""An owner in America/Havana, whose clock changes at midnight: on its fall-back night the clock
goes back from 01:00 to 00:00 (midnight happens twice) and on its spring-forward night it jumps
from 00:00 to 01:00 (midnight never happens). The days, the free days and the times of the booking
page stay right on both nights: no time twice, none missing, no error."""
import datetime as dt
import re
from datetime import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from scheduling.availability import available_slots
from tests import make_meeting_type, make_owner, set_weekly_hours

HAVANA = ZoneInfo("America/Havana")
UTC = dt.UTC
# Every day: 00:00–02:00 and 22:00–24:00, so the late hours run on into the next day's early ones.
AROUND_MIDNIGHT = {day: [(time(0), time(2)), (time(22), time(0))] for day in range(7)}


@pytest.fixture
def havana_type(db):
    owner = make_owner(email="ana@example.com", slug="ana", timezone="America/Havana")
    set_weekly_hours(owner, AROUND_MIDNIGHT)
    return make_meeting_type(owner, duration_minutes=60, slot_step_minutes=60, horizon_days=60)


def picker(client, meeting_type, day: str) -> str:
    url = reverse("public:book_meeting", args=[meeting_type.owner.slug, meeting_type.slug])
    return client.get(url, {"fragment": "picker", "tz": "America/Havana", "date": day}).content.decode()


def times(html: str) -> list[str]:
    return re.findall(r'<a class="slot"[^>]*>([^<]+)</a>', html)


def day_summary(html: str, day: str) -> str:
    return re.search(rf'data-picker-day="{day}"[^>]*>\d+<span class="visually-hidden">([^<]+)</span>', html).group(1)


def today_in_grid(html: str) -> str:
    return re.search(r'class="day day-\w+ day-today"[^>]*>(\d+)<', html).group(1)


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_the_fall_back_night_offers_both_midnights_once_each(client, havana_type):
    saturday = picker(client, havana_type, "2026-10-31")
    # 11 PM on Saturday ends at the first midnight and may run on into Sunday's early hours.
    assert times(saturday) == ["12:00 AM", "1:00 AM", "10:00 PM", "11:00 PM"]

    sunday = picker(client, havana_type, "2026-11-01")
    assert times(sunday) == ["12:00 AM CDT", "12:00 AM CST", "1:00 AM", "10:00 PM", "11:00 PM"]
    assert day_summary(sunday, "2026-11-01").strip() == "Sunday, 1 November 2026, 5 free times"
    assert day_summary(saturday, "2026-10-31").strip() == "Saturday, 31 October 2026, 4 free times"


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_hours_ending_at_the_first_midnight_end_there(client, havana_type):
    # Closed on Sunday: Saturday's 22:00–24:00 ends at the first midnight (04:00 UTC), so a
    # 90-minute meeting at 11 PM, which would run into the repeated hour, is not offered.
    set_weekly_hours(havana_type.owner, {5: [(time(22), time(0))]})
    havana_type.duration_minutes, havana_type.slot_step_minutes = 90, 30
    havana_type.save()
    slots = available_slots(meeting_type=havana_type, range_start=dt.datetime(2026, 10, 31, tzinfo=HAVANA),
                            range_end=dt.datetime(2026, 11, 2, tzinfo=HAVANA))
    assert [slot.start.astimezone(HAVANA).strftime("%H:%M") for slot in slots] == ["22:00", "22:30"]
    assert slots[-1].end == dt.datetime(2026, 11, 1, 4, tzinfo=UTC)


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_the_spring_forward_night_has_no_midnight_and_loses_no_time(client, havana_type):
    saturday = picker(client, havana_type, "2026-03-07")
    # 11 PM is followed at once by 1 AM (daylight time): the meeting ends at 1 AM, in Sunday's hours.
    assert times(saturday) == ["12:00 AM", "1:00 AM", "10:00 PM", "11:00 PM"]

    sunday = picker(client, havana_type, "2026-03-08")
    assert times(sunday) == ["1:00 AM", "10:00 PM", "11:00 PM"]
    assert day_summary(sunday, "2026-03-08").strip() == "Sunday, 8 March 2026, 3 free times"


@time_machine.travel(dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC), tick=False)
def test_in_the_repeated_hour_today_is_sunday_and_what_is_left_of_it_is_offered(client, havana_type):
    # 00:30 the second time (CST): the first midnight has passed, 1 AM is next.
    html = picker(client, havana_type, "2026-11-01")
    assert today_in_grid(html) == "1"
    assert times(html) == ["1:00 AM", "10:00 PM", "11:00 PM"]
    assert "2026-10-31" not in re.findall(r'class="day day-free"[^>]*data-picker-day="([^"]+)"', html)


@time_machine.travel(dt.datetime(2026, 3, 8, 6, 30, tzinfo=UTC), tick=False)
def test_just_after_the_jump_today_is_sunday(client, havana_type):
    html = picker(client, havana_type, "2026-03-08")
    assert today_in_grid(html) == "8"
    assert times(html) == ["10:00 PM", "11:00 PM"]
    assert day_summary(html, "2026-03-08").strip() == "Sunday, 8 March 2026, 2 free times"


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_each_midnight_of_the_fall_back_night_is_booked_on_its_own_and_reads_apart(client, havana_type):
    url = reverse("public:book_meeting", args=[havana_type.owner.slug, havana_type.slug]) + "?tz=America/Havana"
    pages = []
    for start in ("2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z"):
        booked = client.post(url, {"client_name": "Cleo Client", "client_email": "cleo@example.com",
                                   "client_phone": "", "client_timezone": "America/Havana", "start": start})
        assert booked.status_code == 302
        pages.append(client.get(booked["Location"]).text)
    assert "12:00 AM CDT" in pages[0] and "12:00 AM CST" in pages[1]
    # Both are taken now; 1 AM and the evening are still free.
    assert times(picker(client, havana_type, "2026-11-01")) == ["1:00 AM", "10:00 PM", "11:00 PM"]
