"""Weekly hours as a new owner meets them: Monday to Friday 09:00–17:00 from sign-up, a switch per
day, "Copy to all days", and plain help text. Owners who signed up before get a one-click start."""
import datetime as dt
import re
from datetime import time
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from accounts.models import User
from scheduling import availability
from scheduling.models import WeeklyInterval
from tests import make_meeting_type, set_weekly_hours

from .test_availability_page import URL, saved_hours, week_data

NINE_TO_FIVE = [(weekday, time(9), time(17)) for weekday in range(5)]


def _signup(client, timezone: str = "Asia/Tokyo"):
    response = client.post(reverse("accounts:signup"), {
        "display_name": "Noa New", "email": "noa@example.com", "password": "a-long-unusual-passphrase",
        "timezone": timezone,
    })
    # Sign-up logs in only through the emailed confirmation link (accounts/tests/test_signup.py).
    client.force_login(User.objects.get(email="noa@example.com"))
    return response


@time_machine.travel(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC), tick=False)  # a Friday
def test_a_new_owner_starts_with_monday_to_friday_nine_to_five_in_their_zone(client, db):
    assert _signup(client).status_code == 302
    owner = User.objects.get(email="noa@example.com")
    assert sorted(saved_hours(owner)) == NINE_TO_FIVE
    # Their booking page offers times at once: Monday from 09:00 in Tokyo, nothing at the weekend.
    meeting_type = make_meeting_type(owner, duration_minutes=60)
    tokyo = ZoneInfo("Asia/Tokyo")
    slots = availability.available_slots(
        meeting_type=meeting_type,
        range_start=dt.datetime(2026, 11, 28, tzinfo=tokyo), range_end=dt.datetime(2026, 12, 1, tzinfo=tokyo),
    )
    local_starts = [slot.start.astimezone(tokyo) for slot in slots]
    assert local_starts and local_starts[0] == dt.datetime(2026, 11, 30, 9, 0, tzinfo=tokyo)
    assert local_starts[-1] == dt.datetime(2026, 11, 30, 16, 0, tzinfo=tokyo)


def test_the_page_shows_a_switch_per_day_and_plain_help(client, db):
    _signup(client)
    html = client.get(URL).text
    switches = re.findall(r'<input type="checkbox" name="d(\d)-on"[^>]*>', html)
    assert [int(day) for day in switches] == list(range(7))
    for tag in re.findall(r'<input type="checkbox" name="d\d-on"[^>]*>', html):
        assert 'role="switch"' in tag
    checked = [int(day) for day in re.findall(r'name="d(\d)-on"[^>]*checked', html)]
    assert checked == [0, 1, 2, 3, 4]
    assert html.count("Copy to all days") >= 7
    assert "Switch on each day you take bookings" in html
    assert "blank rows" not in html
    assert "You have no weekly hours yet" not in html


def test_a_switched_off_day_is_closed_and_its_rows_are_ignored(owner, owner_client):
    data = week_data({0: [("09:00", "17:00")], 1: [("10:00", "12:00")]})
    del data["d1-on"]
    data["d2-0-start"], data["d2-0-end"] = "9am", "late"  # half-typed on a closed day: not read
    response = owner_client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL + "#weekly-hours"
    assert saved_hours(owner) == [(0, time(9), time(17))]


def test_a_day_switched_on_without_hours_is_refused_and_nothing_is_saved(owner, owner_client):
    set_weekly_hours(owner, {0: [(time(8), time(9))]})
    data = week_data({0: [("09:00", "17:00")]})
    data["d3-on"] = "on"
    response = owner_client.post(URL, data)
    assert response.status_code == 200
    assert "Thursday is switched on but has no hours: enter them, or switch it off." in response.text
    assert saved_hours(owner) == [(0, time(8), time(9))]


def test_copy_to_all_days_copies_to_every_open_day_and_saves(owner, owner_client):
    data = week_data({
        0: [("08:00", "12:00"), ("13:00", "16:00")], 2: [("10:00", "11:00")], 4: [("09:00", "17:00")],
    })
    data["copy_from"] = "0"
    response = owner_client.post(URL, data)
    assert response.status_code == 302
    expected = [(day, start, end) for day in (0, 2, 4) for start, end in [(time(8), time(12)), (time(13), time(16))]]
    assert sorted(saved_hours(owner)) == expected
    assert "Monday’s hours copied to every open day and saved." in owner_client.get(URL).text


def test_copy_from_a_closed_day_is_refused(owner, owner_client):
    data = week_data({1: [("09:00", "10:00")]})
    data["copy_from"] = "0"
    response = owner_client.post(URL, data)
    assert response.status_code == 200
    assert "Switch Monday on before copying its hours." in response.text
    assert saved_hours(owner) == []


def test_an_owner_without_hours_is_told_and_can_start_with_the_working_week(owner, owner_client):
    html = owner_client.get(URL).text
    assert "You have no weekly hours yet, so clients cannot book you." in html
    response = owner_client.post(URL, {"use_default_hours": "1"})
    assert response.status_code == 302
    assert sorted(saved_hours(owner)) == NINE_TO_FIVE
    html = owner_client.get(URL).text
    assert "Monday to Friday, 09:00–17:00 saved." in html and "You have no weekly hours yet" not in html


def test_the_working_week_button_never_overwrites_hours(owner, owner_client):
    set_weekly_hours(owner, {6: [(time(10), time(11))]})
    owner_client.post(URL, {"use_default_hours": "1"})
    assert saved_hours(owner) == [(6, time(10), time(11))]
    assert WeeklyInterval.objects.filter(owner=owner).count() == 1
