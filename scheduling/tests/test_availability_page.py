"""The Availability dashboard page: weekly hours and date overrides, in the owner's time zone."""
import datetime as dt
import re
from datetime import time

import pytest
import time_machine
from django.urls import reverse

from scheduling import setup_services
from scheduling.models import DateOverride, MeetingType, WeeklyInterval
from tests import set_weekly_hours

URL = reverse("dashboard:availability")
ADD_URL = reverse("dashboard:availability_override_add")
# Noon UTC on Wednesday 10 July 2024 is 08:00 the same day in New York (the owner's zone).
NOW = dt.datetime(2024, 7, 10, 12, 0, tzinfo=dt.UTC)


def week_data(rows: dict[int, list[tuple[str, str]]], rows_per_day: int = 3) -> dict:
    """The POST of the weekly hours form; a day with a filled row is switched on."""
    data = {}
    for weekday in range(7):
        data[f"d{weekday}-rows"] = str(rows_per_day)
        if any(start or end for start, end in rows.get(weekday, [])):
            data[f"d{weekday}-on"] = "on"
        for index, (start, end) in enumerate(rows.get(weekday, [])):
            data[f"d{weekday}-{index}-start"] = start
            data[f"d{weekday}-{index}-end"] = end
    return data


def saved_hours(owner) -> list[tuple[int, time, time]]:
    return list(WeeklyInterval.objects.filter(owner=owner).values_list("weekday", "start_time", "end_time"))


def test_page_shows_the_owner_time_zone_and_a_link_to_settings(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    assert "<strong>America/New York</strong>" in response.text  # as the zone field and the picker write it
    assert reverse("accounts:settings") in response.text
    assert "No upcoming overrides" in response.text


def test_page_shows_saved_hours_plus_blank_rows(owner, owner_client):
    set_weekly_hours(owner, {0: [(time(9), time(12)), (time(13), time(17))]})
    response = owner_client.get(URL)
    assert 'value="09:00"' in response.text and 'value="17:00"' in response.text
    days = response.context["form"].days()
    # Saved hours plus one blank row; a closed day holds the 09:00–17:00 suggestion plus one.
    assert days[0]["row_count"] == 3 and days[1]["row_count"] == 2
    for start, end in days[0]["rows"]:
        assert f'for="{start.id_for_label}"' in response.text and f'for="{end.id_for_label}"' in response.text


def test_saving_replaces_all_weekly_hours(owner, owner_client):
    set_weekly_hours(owner, {0: [(time(8), time(9))], 6: [(time(10), time(11))]})
    response = owner_client.post(URL, week_data({
        0: [("09:00", "12:00"), ("13:00", "17:00")],
        2: [("", ""), ("10:00", "11:30")],
    }))
    assert response.status_code == 302
    assert saved_hours(owner) == [
        (0, time(9), time(12)), (0, time(13), time(17)), (2, time(10), time(11, 30)),
    ]
    assert "Weekly hours saved." in owner_client.get(URL).text


def test_midnight_end_is_allowed(owner, owner_client):
    owner_client.post(URL, week_data({4: [("22:00", "00:00")]}))
    assert saved_hours(owner) == [(4, time(22), time(0))]


def test_saving_all_blank_rows_closes_every_day(owner, owner_client):
    set_weekly_hours(owner, {0: [(time(9), time(12))]})
    owner_client.post(URL, week_data({}))
    assert saved_hours(owner) == []


def test_more_rows_than_shown_can_be_posted(owner, owner_client):
    rows = [(f"{hour:02d}:00", f"{hour:02d}:30") for hour in range(8, 13)]
    owner_client.post(URL, week_data({1: rows}, rows_per_day=5))
    assert len(saved_hours(owner)) == 5


@pytest.mark.parametrize(("rows", "message"), [
    ({0: [("12:00", "09:00")]}, "Monday: 12:00–09:00 ends before it starts."),
    ({1: [("10:00", "10:00")]}, "Tuesday: 10:00–10:00 ends before it starts."),
    ({2: [("09:00", "12:00"), ("11:00", "13:00")]}, "Wednesday: 09:00–12:00 overlaps 11:00–13:00."),
    ({6: [("09:00", "17:00"), ("10:00", "11:00")]}, "Sunday: 09:00–17:00 overlaps 10:00–11:00."),
    ({3: [("09:00", "")]}, "Thursday: row 1 needs both a start and an end time."),
    ({4: [("9am", "10:00")]}, "Friday: a time in row 1 could not be read. Use HH:MM."),
    ({5: [("25:00", "26:00")]}, "Saturday: a time in row 1 could not be read. Use HH:MM."),
])
def test_bad_intervals_are_refused_naming_the_day_and_nothing_is_saved(owner, owner_client, rows, message):
    set_weekly_hours(owner, {0: [(time(8), time(9))]})
    # A valid day alongside the bad one must not be saved either.
    response = owner_client.post(URL, week_data({1: [("09:00", "10:00")], **rows}))
    assert response.status_code == 200
    assert message in response.text
    assert "Nothing was saved." in response.text
    assert saved_hours(owner) == [(0, time(8), time(9))]


@pytest.mark.parametrize("rows_value", ["", "abc", "-3", "100000"])
def test_tampered_row_counts_do_not_break_the_page(owner, owner_client, rows_value):
    data = week_data({0: [("09:00", "10:00")]})
    data["d0-rows"] = rows_value
    response = owner_client.post(URL, data)
    assert response.status_code in (200, 302)


def test_service_refuses_overlaps_and_keeps_the_old_hours(owner):
    set_weekly_hours(owner, {0: [(time(8), time(9))]})
    with pytest.raises(setup_services.InvalidHours, match="Tuesday"):
        setup_services.weekly_hours_replace(owner=owner, hours={
            0: [(time(9), time(10))], 1: [(time(9), time(11)), (time(10), time(12))],
        })
    assert saved_hours(owner) == [(0, time(8), time(9))]


# Overrides ----------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_add_a_closed_date_and_see_it_listed(owner, owner_client):
    response = owner_client.post(ADD_URL, {"date": "2024-07-15", "mode": "closed"})
    assert response.status_code == 302
    override = DateOverride.objects.get(owner=owner)
    assert (override.date, override.start_time, override.end_time) == (dt.date(2024, 7, 15), None, None)
    page = owner_client.get(URL).text
    assert "Mon 15 Jul 2024" in page and "Closed" in page


@time_machine.travel(NOW, tick=False)
def test_add_other_hours_on_a_date_replaces_an_earlier_override_of_that_date(owner, owner_client):
    setup_services.date_override_add(owner=owner, date=dt.date(2024, 7, 16))
    owner_client.post(ADD_URL, {
        "date": "2024-07-16", "mode": "hours",
        "o-0-start": "10:00", "o-0-end": "12:00", "o-1-start": "14:00", "o-1-end": "15:00",
    })
    rows = list(DateOverride.objects.filter(owner=owner).values_list("date", "start_time", "end_time"))
    assert rows == [(dt.date(2024, 7, 16), time(10), time(12)), (dt.date(2024, 7, 16), time(14), time(15))]
    assert "10:00–12:00, 14:00–15:00" in owner_client.get(URL).text


@time_machine.travel(NOW, tick=False)
def test_a_holiday_closes_every_date_of_its_range_in_one_go(owner, owner_client):
    # Issue 29, item 4: time off as a date range, not one date at a time.
    setup_services.date_override_add(owner=owner, date=dt.date(2024, 7, 17),
                                     intervals=[(time(10), time(12))])  # replaced by the holiday

    response = owner_client.post(ADD_URL, {"date": "2024-07-15", "date_to": "2024-07-19", "mode": "closed"},
                                 follow=True)

    rows = list(DateOverride.objects.filter(owner=owner).values_list("date", "start_time"))
    assert rows == [(dt.date(2024, 7, day), None) for day in range(15, 20)]
    assert "Override for Monday 15 July 2024 to Friday 19 July 2024 saved (5 days)." in response.text


@time_machine.travel(NOW, tick=False)
def test_closed_all_day_ignores_a_half_typed_time_left_in_the_hours_rows(owner, owner_client):
    # As a switched-off weekday's rows are: the hours are not read when the date is closed. A time
    # typed before choosing "Closed all day" blocked the save with "Enter a time as HH:MM.".
    response = owner_client.post(ADD_URL, {"date": "2024-07-15", "mode": "closed", "o-0-start": "9",
                                           "o-0-end": "12:00"})
    assert response.status_code == 302
    override = DateOverride.objects.get(owner=owner)
    assert (override.date, override.start_time, override.end_time) == (dt.date(2024, 7, 15), None, None)


@time_machine.travel(NOW, tick=False)
def test_today_in_the_owner_zone_is_allowed(owner, owner_client):
    owner_client.post(ADD_URL, {"date": "2024-07-10", "mode": "closed"})
    assert DateOverride.objects.filter(owner=owner, date=dt.date(2024, 7, 10)).exists()


@time_machine.travel(dt.datetime(2024, 7, 11, 2, 0, tzinfo=dt.UTC), tick=False)
def test_past_is_judged_in_the_owner_zone(owner, owner_client):
    # 02:00 UTC on the 11th is still the 10th in New York: the 10th is today, not past.
    owner_client.post(ADD_URL, {"date": "2024-07-10", "mode": "closed"})
    assert DateOverride.objects.filter(owner=owner, date=dt.date(2024, 7, 10)).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("data", "message"), [
    ({"date": "2024-07-09", "mode": "closed"}, "That date is in the past. Choose today or a later date."),
    ({"date": "", "mode": "closed"}, "Choose a date."),
    ({"date": "15/07/2024", "mode": "closed"}, "Enter a date as YYYY-MM-DD."),
    ({"date": "2024-02-30", "mode": "closed"}, "Enter a date as YYYY-MM-DD."),
    ({"date": "2030-01-01", "mode": "closed"}, "Choose a date within the next two years."),
    ({"date": "2024-07-15", "mode": "maybe"}, "Choose closed or other hours."),
    ({"date": "2024-07-15", "mode": "hours"}, "Enter at least one set of hours, or choose “Closed all day”."),
    ({"date": "2024-07-15", "mode": "hours", "o-0-start": "12:00", "o-0-end": "10:00"},
     "Hours: 12:00–10:00 ends before it starts."),
    ({"date": "2024-07-15", "mode": "hours", "o-0-start": "09:00", "o-0-end": "12:00",
      "o-1-start": "11:00", "o-1-end": "13:00"}, "Hours: 09:00–12:00 overlaps 11:00–13:00."),
    ({"date": "2024-07-15", "mode": "hours", "o-0-start": "nope", "o-0-end": "12:00"},
     "Hours: a time in row 1 could not be read. Use HH:MM."),
    ({"date": "2024-07-15", "date_to": "2024-07-14", "mode": "closed"}, "The last date must be on or after the first."),
    ({"date": "2024-07-15", "date_to": "2024-12-31", "mode": "closed"}, "Choose at most 92 days at a time."),
    ({"date": "2024-07-15", "date_to": "soon", "mode": "closed"}, "Enter a date as YYYY-MM-DD."),
])
def test_bad_overrides_are_refused_with_a_message_and_nothing_is_saved(owner, owner_client, data, message):
    response = owner_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert message in response.text
    assert not DateOverride.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_range_running_past_the_two_year_limit_is_refused_beside_until_and_nothing_changes(owner, owner_client):
    # The first date was checked against the two years the editor promises, the last one not: a range
    # starting near the limit was saved up to 92 days beyond it (12 July 2026 is the last date allowed).
    kept = setup_services.date_override_add(owner=owner, date=dt.date(2026, 7, 5), intervals=[(time(9), time(10))])

    response = owner_client.post(ADD_URL, {"date": "2026-07-01", "date_to": "2026-08-31", "mode": "closed"})

    assert response.status_code == 200
    message = "The last date must be within the next two years (12 July 2026 at the latest)."
    until_field = re.search(r'<label for="id_date_to">.*?</div>', response.text, re.S).group(0)
    assert message in until_field
    assert list(DateOverride.objects.filter(owner=owner)) == kept
    assert (kept[0].start_time, kept[0].end_time) == (time(9), time(10))
    # Up to the limit itself is fine.
    assert owner_client.post(ADD_URL, {"date": "2026-07-01", "date_to": "2026-07-12", "mode": "closed"}).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_service_refuses_dates_past_the_two_year_limit(owner):
    with pytest.raises(setup_services.InvalidHours, match="two years") as refused:
        setup_services.date_override_add(owner=owner, date=dt.date(2026, 7, 1), date_to=dt.date(2026, 7, 13))
    assert refused.value.field == "date_to"
    with pytest.raises(setup_services.InvalidHours, match="two years") as refused:
        setup_services.date_override_add(owner=owner, date=dt.date(2026, 7, 13))
    assert refused.value.field == "date"
    assert not DateOverride.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_service_refuses_a_past_date(owner):
    with pytest.raises(setup_services.InvalidHours, match="past"):
        setup_services.date_override_add(owner=owner, date=dt.date(2024, 7, 9))


@time_machine.travel(NOW, tick=False)
def test_delete_an_override_after_confirming(owner, owner_client):
    rows = setup_services.date_override_add(
        owner=owner, date=dt.date(2024, 7, 20), intervals=[(time(9), time(10)), (time(11), time(12))]
    )
    url = reverse("dashboard:availability_override_delete", args=[rows[0].pk])
    confirmation = owner_client.get(url)
    assert confirmation.status_code == 200 and "Saturday 20 July 2024" in confirmation.text
    assert DateOverride.objects.count() == 2
    assert owner_client.post(url).status_code == 302
    assert not DateOverride.objects.exists()
    assert owner_client.post(url).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_past_overrides_are_not_listed(owner, owner_client):
    DateOverride.objects.create(owner=owner, date=dt.date(2024, 7, 1))
    DateOverride.objects.create(owner=owner, date=dt.date(2024, 7, 12))
    overrides = owner_client.get(URL).context["overrides"]
    assert [override.date for override in overrides] == [dt.date(2024, 7, 12)]


# Access ---------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_another_owner_cannot_see_or_delete_overrides_or_hours(owner, other_owner, other_owner_client):
    set_weekly_hours(owner, {0: [(time(9), time(12))]})
    override = DateOverride.objects.create(owner=owner, date=dt.date(2024, 7, 15))
    url = reverse("dashboard:availability_override_delete", args=[override.pk])
    assert other_owner_client.get(url).status_code == 404
    assert other_owner_client.post(url).status_code == 404
    assert DateOverride.objects.filter(pk=override.pk).exists()
    page = other_owner_client.get(URL)
    assert page.context["overrides"] == []
    assert not re.search(r'name="d\d-on"[^>]*checked', page.text)  # every day closed: none of owner's hours
    other_owner_client.post(URL, week_data({}))
    other_owner_client.post(ADD_URL, {"date": "2024-07-15", "mode": "hours", "o-0-start": "01:00", "o-0-end": "02:00"})
    assert saved_hours(owner) == [(0, time(9), time(12))]
    assert list(DateOverride.objects.filter(owner=owner).values_list("start_time", flat=True)) == [None]


def test_anonymous_visitors_are_sent_to_log_in(client, owner):
    override = DateOverride.objects.create(owner=owner, date=dt.date(2099, 1, 1))
    for url in [URL, ADD_URL, reverse("dashboard:availability_override_delete", args=[override.pk])]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and "/login/" in response.url, url
    assert DateOverride.objects.filter(pk=override.pk).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("days", [1, 20])
def test_page_query_count_does_not_grow_with_hours_and_overrides(owner, owner_client, django_assert_num_queries, days):
    set_weekly_hours(owner, {weekday: [(time(9), time(12)), (time(13), time(17))] for weekday in range(min(days, 7))})
    for offset in range(days):
        setup_services.date_override_add(
            owner=owner, date=dt.date(2024, 7, 11) + dt.timedelta(days=offset), intervals=[(time(10), time(11))]
        )
    # user (the session comes from the cache), weekly intervals, upcoming overrides
    with django_assert_num_queries(3):
        response = owner_client.get(URL)
    assert len(response.context["overrides"]) == days


# Demo data ----------------------------------------------------------------------------------


def test_demo_seed_is_idempotent_and_keeps_existing_hours(owner):
    from scheduling import demo

    demo.seed(owner)
    demo.seed(owner)
    types = {meeting_type.slug: meeting_type for meeting_type in MeetingType.objects.filter(owner=owner)}
    assert set(types) == {"intro-call", "coaching-session", "group-workshop", "single-coaching-session"}
    coaching, workshop = types["coaching-session"], types["group-workshop"]
    assert (coaching.kind, coaching.duration_minutes, coaching.slot_step_minutes, coaching.location_kind) == (
        "one_on_one", 50, 30, "video"
    )
    assert (workshop.kind, workshop.capacity, workshop.duration_minutes) == ("group", 6, 90)
    hours = saved_hours(owner)
    assert len(hours) == 10
    assert (0, time(9), time(12)) in hours and (4, time(13), time(17)) in hours
    assert not any(weekday >= 5 for weekday, _, _ in hours)

    set_weekly_hours(owner, {6: [(time(10), time(11))]})
    demo.seed(owner)
    assert saved_hours(owner) == [(6, time(10), time(11))]

