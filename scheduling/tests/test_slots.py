"""Tests for the pure slot engine (scheduling/slots.py): no database, no Django settings.

Run the timing check by hand with ``python -m scheduling.tests.test_slots``.
"""

from __future__ import annotations

import datetime as dt
import random
import time as time_module
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.slots import (
    Busy,
    Interval,
    Slot,
    SlotRules,
    WeeklyAvailability,
    busy_window,
    compute_slots,
    find_slot,
)

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
EVERY_DAY = range(7)
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=UTC)


def minutes(count: int) -> dt.timedelta:
    return dt.timedelta(minutes=count)


def hours_of(text: str) -> Interval:
    """``"09:00-12:00"`` -> Interval; ``24:00`` is written as ``00:00``."""
    start, end = text.split("-")
    return Interval(dt.time.fromisoformat(start), dt.time.fromisoformat(end))


def make_rules(**changes) -> SlotRules:
    values = dict(
        meeting_type_id=1,
        duration=minutes(30),
        buffer_before=minutes(0),
        buffer_after=minutes(0),
        min_notice=minutes(0),
        horizon=dt.timedelta(days=400),
        step=minutes(60),
        capacity=1,
    )
    values.update(changes)
    return SlotRules(**values)


def make_availability(tz, *hours: str, days=EVERY_DAY, overrides=None) -> WeeklyAvailability:
    intervals = [hours_of(text) for text in hours]
    return WeeklyAvailability(tz=tz, weekly={day: intervals for day in days}, overrides=overrides or {})


def at(tz, year, month, day, hour=0, minute=0, fold=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold)


def day_range(tz, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end


def slots_on(day: dt.date, availability, rules=None, busy=(), now=LONG_AGO) -> list[Slot]:
    range_start, range_end = day_range(availability.tz, day)
    return compute_slots(
        rules=rules or make_rules(),
        availability=availability,
        busy=list(busy),
        now=now,
        range_start=range_start,
        range_end=range_end,
    )


def local_times(slots, tz) -> list[str]:
    return [slot.start.astimezone(tz).strftime("%H:%M") for slot in slots]


def utc_times(slots) -> list[str]:
    return [slot.start.strftime("%H:%M") for slot in slots]


def booking(tz, year, month, day, hour, minute, length, **changes) -> Busy:
    start = at(tz, year, month, day, hour, minute)
    values = dict(
        start=start,
        end=start + minutes(length),
        buffer_before=minutes(0),
        buffer_after=minutes(0),
        meeting_type_id=2,
        seats=1,
    )
    values.update(changes)
    return Busy(**values)


MONDAY = dt.date(2026, 3, 2)


# --- Basic grid ------------------------------------------------------------------------------


def test_a_morning_gives_hourly_half_hour_slots():
    availability = make_availability(NEW_YORK, "09:00-12:00")
    slots = slots_on(MONDAY, availability)
    assert local_times(slots, NEW_YORK) == ["09:00", "10:00", "11:00"]
    assert all(slot.end - slot.start == minutes(30) for slot in slots)
    assert all(slot.start.tzinfo is UTC and slot.end.tzinfo is UTC for slot in slots)
    assert all(slot.seats_left == 1 for slot in slots)


def test_a_meeting_must_end_inside_the_hours():
    availability = make_availability(NEW_YORK, "09:00-12:00")
    slots = slots_on(MONDAY, availability, make_rules(duration=minutes(90)))
    assert local_times(slots, NEW_YORK) == ["09:00", "10:00"]


def test_starts_follow_the_step_from_the_interval_start():
    availability = make_availability(NEW_YORK, "09:10-12:00")
    slots = slots_on(MONDAY, availability, make_rules(step=minutes(45)))
    assert local_times(slots, NEW_YORK) == ["09:10", "09:55", "10:40", "11:25"]


def test_several_intervals_a_day():
    availability = make_availability(NEW_YORK, "09:00-10:00", "14:00-15:30")
    assert local_times(slots_on(MONDAY, availability), NEW_YORK) == ["09:00", "14:00", "15:00"]


def test_a_meeting_may_run_across_two_rows_of_hours_that_touch():
    # 09:00-12:00 and 12:00-13:00 are free from 9 to 1: an hour at 11:30 fits, one at 12:30 does not.
    availability = make_availability(NEW_YORK, "09:00-12:00", "12:00-13:00")
    slots = slots_on(MONDAY, availability, make_rules(duration=minutes(60), step=minutes(30)))
    assert local_times(slots, NEW_YORK) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]
    # Hours with a gap between them stay apart.
    apart = make_availability(NEW_YORK, "09:00-12:00", "12:30-13:30")
    assert local_times(slots_on(MONDAY, apart, make_rules(duration=minutes(60), step=minutes(30))), NEW_YORK) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "12:30"]


def test_a_meeting_may_run_across_midnight_into_the_next_days_hours():
    # Monday 22:00-24:00 and Tuesday 00:00-02:00 are free from 10 pm to 2 am: an hour at 23:30 fits.
    availability = WeeklyAvailability(NEW_YORK, {0: [hours_of("22:00-00:00")], 1: [hours_of("00:00-02:00")]}, {})
    rules = make_rules(duration=minutes(60), step=minutes(30))
    slots = slots_on(MONDAY, availability, rules)
    assert local_times(slots, NEW_YORK) == ["22:00", "22:30", "23:00", "23:30"]
    assert slots[-1].end == at(NEW_YORK, 2026, 3, 3, 0, 30)
    assert find(at(NEW_YORK, 2026, 3, 2, 23, 30), rules, availability) == slots[-1]
    # A run of touching rows on Tuesday carries on from midnight too; one that starts later does not.
    joined = WeeklyAvailability(NEW_YORK, {0: [hours_of("23:00-00:00")],
                                           1: [hours_of("00:00-00:30"), hours_of("00:30-01:00")]}, {})
    assert local_times(slots_on(MONDAY, joined, make_rules(duration=minutes(90), step=minutes(30))), NEW_YORK) == [
        "23:00", "23:30"]
    apart = WeeklyAvailability(NEW_YORK, {0: [hours_of("22:00-00:00")], 1: [hours_of("00:30-02:00")]}, {})
    assert local_times(slots_on(MONDAY, apart, rules), NEW_YORK) == ["22:00", "22:30", "23:00"]


def test_an_override_joins_across_midnight_and_an_override_closing_the_next_day_does_not():
    tuesday = MONDAY + dt.timedelta(days=1)
    rules = make_rules(duration=minutes(60), step=minutes(30))
    weekly = {1: [hours_of("00:00-02:00")]}
    opened = WeeklyAvailability(NEW_YORK, weekly, {MONDAY: [hours_of("22:00-00:00")]})
    assert local_times(slots_on(MONDAY, opened, rules), NEW_YORK) == ["22:00", "22:30", "23:00", "23:30"]
    closed = WeeklyAvailability(NEW_YORK, weekly, {MONDAY: [hours_of("22:00-00:00")], tuesday: []})
    assert local_times(slots_on(MONDAY, closed, rules), NEW_YORK) == ["22:00", "22:30", "23:00"]


def test_overlapping_intervals_offer_each_start_once():
    availability = make_availability(NEW_YORK, "09:00-11:00", "10:00-12:00")
    assert local_times(slots_on(MONDAY, availability), NEW_YORK) == ["09:00", "10:00", "11:00"]


def test_an_interval_can_run_to_midnight():
    availability = make_availability(NEW_YORK, "22:00-00:00")
    slots = slots_on(MONDAY, availability, make_rules(duration=minutes(60)))
    assert local_times(slots, NEW_YORK) == ["22:00", "23:00"]
    assert slots[-1].end == at(NEW_YORK, 2026, 3, 3)


def test_the_whole_day():
    availability = make_availability(NEW_YORK, "00:00-00:00")
    assert len(slots_on(MONDAY, availability)) == 24


def test_a_missing_weekday_is_closed():
    availability = make_availability(NEW_YORK, "09:00-12:00", days=[1, 2, 3, 4])
    assert slots_on(MONDAY, availability) == []


def test_min_notice_hides_starts_too_soon():
    availability = make_availability(NEW_YORK, "09:00-12:00")
    rules = make_rules(step=minutes(30), min_notice=minutes(60))
    now = at(NEW_YORK, 2026, 3, 2, 9, 20)
    assert local_times(slots_on(MONDAY, availability, rules, now=now), NEW_YORK) == [
        "10:30",
        "11:00",
        "11:30",
    ]
    # A start exactly at now + min_notice is still offered.
    now = at(NEW_YORK, 2026, 3, 2, 9, 30)
    assert local_times(slots_on(MONDAY, availability, rules, now=now), NEW_YORK)[0] == "10:30"


def test_horizon_hides_starts_too_far_ahead():
    availability = make_availability(NEW_YORK, "09:00-12:00")
    now = at(NEW_YORK, 2026, 2, 28, 10, 0)
    rules = make_rules(horizon=dt.timedelta(days=2))  # latest start: Monday 10:00, included
    assert local_times(slots_on(MONDAY, availability, rules, now=now), NEW_YORK) == [
        "09:00",
        "10:00",
    ]


def test_notice_and_horizon_are_real_time_across_a_clock_change():
    availability = make_availability(NEW_YORK, "09:00-13:00")
    now = at(NEW_YORK, 2026, 3, 7, 10, 0)  # EST; the clocks go forward that night
    rules = make_rules(step=minutes(30), horizon=dt.timedelta(days=1))
    # 24 real hours later the clock reads 11:00 EDT, not 10:00.
    slots = slots_on(dt.date(2026, 3, 8), availability, rules, now=now)
    assert local_times(slots, NEW_YORK) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_an_override_closes_a_day():
    availability = make_availability(NEW_YORK, "09:00-12:00", overrides={MONDAY: []})
    assert slots_on(MONDAY, availability) == []
    assert len(slots_on(MONDAY + dt.timedelta(days=1), availability)) == 3


def test_an_override_replaces_the_weekly_hours():
    availability = make_availability(NEW_YORK, "09:00-12:00", overrides={MONDAY: [hours_of("13:00-15:00")]})
    assert local_times(slots_on(MONDAY, availability), NEW_YORK) == ["13:00", "14:00"]


def test_an_override_opens_a_closed_weekday():
    availability = make_availability(NEW_YORK, "09:00-12:00", days=[], overrides={MONDAY: [hours_of("18:00-19:00")]})
    assert local_times(slots_on(MONDAY, availability), NEW_YORK) == ["18:00"]


def test_range_end_is_exclusive_and_range_start_inclusive():
    availability = make_availability(NEW_YORK, "09:00-12:00")
    slots = compute_slots(
        rules=make_rules(),
        availability=availability,
        busy=[],
        now=LONG_AGO,
        range_start=at(NEW_YORK, 2026, 3, 2, 10),
        range_end=at(NEW_YORK, 2026, 3, 2, 11),
    )
    assert local_times(slots, NEW_YORK) == ["10:00"]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        compute_slots(
            rules=make_rules(),
            availability=make_availability(NEW_YORK, "09:00-12:00"),
            busy=[],
            now=dt.datetime(2026, 1, 1),
            range_start=LONG_AGO,
            range_end=LONG_AGO + dt.timedelta(days=1),
        )


def test_an_interval_must_end_after_it_starts():
    with pytest.raises(ValueError):
        Interval(dt.time(12), dt.time(9))
    with pytest.raises(ValueError):
        Interval(dt.time(9), dt.time(9))


# --- Daylight saving ---------------------------------------------------------------------------

NIGHT_RULES = make_rules(step=minutes(30))


def test_new_york_spring_forward_skips_the_missing_hour():
    day = dt.date(2026, 3, 8)
    slots = slots_on(day, make_availability(NEW_YORK, "00:00-04:00"), NIGHT_RULES)
    assert local_times(slots, NEW_YORK) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]
    assert utc_times(slots) == ["05:00", "05:30", "06:00", "06:30", "07:00", "07:30"]
    offsets = [slot.start.astimezone(NEW_YORK).utcoffset() for slot in slots]
    assert offsets == [dt.timedelta(hours=-5)] * 4 + [dt.timedelta(hours=-4)] * 2


def test_new_york_fall_back_offers_the_repeated_hour_twice():
    day = dt.date(2026, 11, 1)
    slots = slots_on(day, make_availability(NEW_YORK, "00:00-04:00"), NIGHT_RULES)
    assert local_times(slots, NEW_YORK) == [
        "00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30",
    ]  # fmt: skip
    assert utc_times(slots) == [
        "04:00", "04:30", "05:00", "05:30", "06:00", "06:30", "07:00", "07:30", "08:00", "08:30",
    ]  # fmt: skip


def test_berlin_spring_forward_skips_the_missing_hour():
    day = dt.date(2026, 3, 29)
    slots = slots_on(day, make_availability(BERLIN, "00:00-04:00"), NIGHT_RULES)
    assert local_times(slots, BERLIN) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]
    assert [slot.start for slot in slots] == [
        dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC) + minutes(30) * index for index in range(6)
    ]


def test_berlin_fall_back_offers_the_repeated_hour_twice():
    day = dt.date(2026, 10, 25)
    slots = slots_on(day, make_availability(BERLIN, "00:00-04:00"), NIGHT_RULES)
    assert local_times(slots, BERLIN) == [
        "00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00", "03:30",
    ]  # fmt: skip
    assert [slot.start for slot in slots] == [
        dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC) + minutes(30) * index for index in range(10)
    ]


@pytest.mark.parametrize(
    ("tz", "day", "utc_hour_before", "utc_hour_on_the_day"),
    [
        (NEW_YORK, dt.date(2026, 3, 8), 14, 13),
        (NEW_YORK, dt.date(2026, 11, 1), 13, 14),
        (BERLIN, dt.date(2026, 3, 29), 8, 7),
        (BERLIN, dt.date(2026, 10, 25), 7, 8),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_a_change(tz, day, utc_hour_before, utc_hour_on_the_day):
    availability = make_availability(tz, "09:00-10:00")
    before = slots_on(day - dt.timedelta(days=1), availability)
    on_the_day = slots_on(day, availability)
    assert local_times(before, tz) == local_times(on_the_day, tz) == ["09:00"]
    assert before[0].start.hour == utc_hour_before
    assert on_the_day[0].start.hour == utc_hour_on_the_day


def test_an_interval_ending_inside_the_gap_ends_at_the_jump():
    day = dt.date(2026, 3, 8)
    availability = make_availability(NEW_YORK, "00:00-02:30")
    # 01:30 EST + 30 min ends at 07:00 UTC, the jump to 03:00 EDT: it fits.
    thirty = slots_on(day, availability, NIGHT_RULES)
    assert local_times(thirty, NEW_YORK) == ["00:00", "00:30", "01:00", "01:30"]
    # An hour from 01:30 EST would run to 03:30 EDT, past the end of the hours.
    hour = slots_on(day, availability, make_rules(step=minutes(30), duration=minutes(60)))
    assert local_times(hour, NEW_YORK) == ["00:00", "00:30", "01:00"]


def test_an_interval_starting_inside_the_gap_starts_after_the_jump():
    availability = make_availability(NEW_YORK, "02:00-04:00")
    slots = slots_on(dt.date(2026, 3, 8), availability, NIGHT_RULES)
    assert local_times(slots, NEW_YORK) == ["03:00", "03:30"]


def test_an_interval_ending_in_the_repeated_hour_keeps_the_second_pass():
    availability = make_availability(NEW_YORK, "00:00-01:30")
    slots = slots_on(dt.date(2026, 11, 1), availability, NIGHT_RULES)
    # Walls 00:00, 00:30 and 01:00 twice; the hours end at the second 01:30 (06:30 UTC).
    assert utc_times(slots) == ["04:00", "04:30", "05:00", "06:00"]


def test_hours_ending_where_the_clock_goes_back_end_before_the_repeated_hour():
    # New York's clock goes back from 02:00 to 01:00: hours 00:00-01:00 end at the first 01:00
    # (05:00 UTC). An hour at 00:30 would run to 01:30 EDT, in the hour after them: not offered.
    availability = make_availability(NEW_YORK, "00:00-01:00")
    slots = slots_on(dt.date(2026, 11, 1), availability, make_rules(step=minutes(30), duration=minutes(60)))
    assert utc_times(slots) == ["04:00"]
    assert slots[-1].end == dt.datetime(2026, 11, 1, 5, tzinfo=UTC)


HAVANA = ZoneInfo("America/Havana")


def test_havanas_doubled_midnight_ends_the_day_before_at_the_first_one():
    # Havana's clock goes back from 01:00 to 00:00 on 1 November 2026 (05:00 UTC): Saturday's
    # 22:00-24:00 ends at the first midnight (04:00 UTC), with Sunday closed; with Sunday's hours
    # from 00:00 the run goes on through both midnights.
    saturday = dt.date(2026, 10, 31)
    long_rules = make_rules(step=minutes(30), duration=minutes(90))
    closed_sunday = WeeklyAvailability(HAVANA, {5: [hours_of("22:00-00:00")]}, {})
    slots = slots_on(saturday, closed_sunday, long_rules)
    assert local_times(slots, HAVANA) == ["22:00", "22:30"]
    assert slots[-1].end == dt.datetime(2026, 11, 1, 4, tzinfo=UTC)
    # A run of whole days into the closed Sunday ends at the same first midnight.
    whole_days = WeeklyAvailability(HAVANA, {4: [hours_of("23:00-00:00")], 5: [hours_of("00:00-00:00")]}, {})
    assert find(at(HAVANA, 2026, 10, 31, 23, 30), long_rules, whole_days) is None
    open_sunday = WeeklyAvailability(HAVANA, {5: [hours_of("22:00-00:00")], 6: [hours_of("00:00-02:00")]}, {})
    assert local_times(slots_on(saturday, open_sunday, long_rules), HAVANA) == ["22:00", "22:30", "23:00", "23:30"]
    # Sunday's 00:00-02:00 is three hours long: 00:00 and 00:30 come twice (daylight, then standard time).
    sunday = slots_on(saturday + dt.timedelta(days=1), open_sunday, make_rules(step=minutes(30)))
    assert utc_times(sunday) == ["04:00", "04:30", "05:00", "05:30", "06:00", "06:30"]


def test_havanas_missing_midnight_starts_the_day_at_one():
    # On 8 March 2026 Havana's clock jumps from 00:00 to 01:00 (05:00 UTC): Sunday starts at 01:00
    # CDT, and Saturday's 23:00 hour ends there, in Sunday's hours.
    availability = WeeklyAvailability(HAVANA, {5: [hours_of("22:00-00:00")], 6: [hours_of("00:00-02:00")]}, {})
    saturday = slots_on(dt.date(2026, 3, 7), availability, make_rules(step=minutes(30), duration=minutes(60)))
    assert local_times(saturday, HAVANA) == ["22:00", "22:30", "23:00", "23:30"]
    sunday = slots_on(dt.date(2026, 3, 8), availability, make_rules(step=minutes(30), duration=minutes(60)))
    assert utc_times(sunday) == ["05:00"] and local_times(sunday, HAVANA) == ["01:00"]


def test_a_day_that_does_not_exist_offers_nothing():
    # Samoa skipped 30 December 2011 when it crossed the date line.
    apia = ZoneInfo("Pacific/Apia")
    availability = make_availability(apia, "00:00-00:00")
    slots = compute_slots(
        rules=make_rules(),
        availability=availability,
        busy=[],
        now=dt.datetime(2011, 12, 1, tzinfo=UTC),
        range_start=at(apia, 2011, 12, 29, 20),
        range_end=at(apia, 2011, 12, 31, 4),
    )
    assert [slot.start.astimezone(apia).strftime("%d %H") for slot in slots] == [
        "29 20", "29 21", "29 22", "29 23", "31 00", "31 01", "31 02", "31 03",
    ]  # fmt: skip
    assert slots[4].start - slots[3].start == dt.timedelta(hours=1)


# --- Zones of owner and client -----------------------------------------------------------------


def test_a_client_day_in_los_angeles_spans_two_owner_days_in_kolkata():
    wednesday, thursday = dt.date(2026, 6, 10), dt.date(2026, 6, 11)
    availability = WeeklyAvailability(
        tz=KOLKATA,
        weekly={2: [hours_of("09:00-17:00")], 3: [hours_of("10:00-12:00")]},
        overrides={},
    )
    client_day_start, client_day_end = day_range(LOS_ANGELES, wednesday)  # 12:30 to 12:30 IST
    slots = compute_slots(
        rules=make_rules(duration=minutes(60)),
        availability=availability,
        busy=[],
        now=LONG_AGO,
        range_start=client_day_start,
        range_end=client_day_end,
    )
    owner_view = [slot.start.astimezone(KOLKATA).strftime("%a %H:%M") for slot in slots]
    assert owner_view == ["Wed 13:00", "Wed 14:00", "Wed 15:00", "Wed 16:00", "Thu 10:00", "Thu 11:00"]
    client_view = [slot.start.astimezone(LOS_ANGELES) for slot in slots]
    assert {moment.date() for moment in client_view} == {wednesday}
    assert client_view[0].strftime("%H:%M") == "00:30"
    assert client_view[-1].strftime("%H:%M") == "22:30"
    assert thursday.weekday() == 3


# --- Buffers -----------------------------------------------------------------------------------

MORNING = make_availability(NEW_YORK, "09:00-13:00")
HALF_HOURLY = make_rules(step=minutes(30))


def test_a_slot_inside_another_bookings_buffer_is_refused():
    taken = booking(NEW_YORK, 2026, 3, 2, 10, 0, 60, buffer_after=minutes(30))
    slots = slots_on(MONDAY, MORNING, HALF_HOURLY, busy=[taken])
    assert local_times(slots, NEW_YORK) == ["09:00", "09:30", "11:30", "12:00", "12:30"]


def test_a_slot_whose_own_buffer_hits_a_booking_is_refused():
    taken = booking(NEW_YORK, 2026, 3, 2, 10, 0, 60)
    rules = make_rules(step=minutes(30), buffer_before=minutes(15), buffer_after=minutes(30))
    slots = slots_on(MONDAY, MORNING, rules, busy=[taken])
    assert local_times(slots, NEW_YORK) == ["09:00", "11:30", "12:00", "12:30"]


def test_slots_touching_a_booking_with_its_buffer_are_accepted():
    taken = booking(NEW_YORK, 2026, 3, 2, 10, 0, 60, buffer_before=minutes(30), buffer_after=minutes(30))
    slots = slots_on(MONDAY, MORNING, HALF_HOURLY, busy=[taken])
    assert local_times(slots, NEW_YORK) == ["09:00", "11:30", "12:00", "12:30"]


def test_buffers_may_overlap_each_other():
    # The booking's 30-minute after-buffer and the slot's 30-minute before-buffer share 11:00-11:30.
    taken = booking(NEW_YORK, 2026, 3, 2, 10, 0, 60, buffer_after=minutes(30))
    rules = make_rules(step=minutes(30), buffer_before=minutes(30))
    slots = slots_on(MONDAY, MORNING, rules, busy=[taken])
    assert "11:30" in local_times(slots, NEW_YORK)
    assert "11:00" not in local_times(slots, NEW_YORK)


def test_bookings_of_any_meeting_type_block():
    for meeting_type_id in (1, 2, 3):
        taken = booking(NEW_YORK, 2026, 3, 2, 10, 15, 30, meeting_type_id=meeting_type_id)
        slots = slots_on(MONDAY, MORNING, HALF_HOURLY, busy=[taken])
        assert "10:00" not in local_times(slots, NEW_YORK)
        assert "10:30" not in local_times(slots, NEW_YORK)


def test_busy_given_in_any_order_and_zone_gives_the_same_slots():
    busy = [
        booking(NEW_YORK, 2026, 3, 2, 12, 0, 30),
        booking(BERLIN, 2026, 3, 2, 15, 0, 30),  # 09:00 in New York
        booking(NEW_YORK, 2026, 3, 2, 10, 30, 30, buffer_before=minutes(30)),
    ]
    forward = slots_on(MONDAY, MORNING, HALF_HOURLY, busy=busy)
    backward = slots_on(MONDAY, MORNING, HALF_HOURLY, busy=busy[::-1])
    assert forward == backward
    assert local_times(forward, NEW_YORK) == ["09:30", "11:00", "11:30", "12:30"]


# --- Group sessions ------------------------------------------------------------------------------

GROUP_RULES = make_rules(step=minutes(30), capacity=5)


def seat(hour, minute, seats=1, meeting_type_id=1, length=30) -> Busy:
    return booking(NEW_YORK, 2026, 3, 2, hour, minute, length, meeting_type_id=meeting_type_id, seats=seats)


def seats_by_time(slots) -> dict[str, int]:
    return {slot.start.astimezone(NEW_YORK).strftime("%H:%M"): slot.seats_left for slot in slots}


def test_a_group_session_with_three_of_five_seats_taken_shows_two_left():
    busy = [seat(10, 0, seats=2), seat(10, 0)]
    offered = seats_by_time(slots_on(MONDAY, MORNING, GROUP_RULES, busy=busy))
    assert offered["10:00"] == 2
    assert offered["09:30"] == offered["10:30"] == 5


def test_a_full_group_session_is_hidden():
    busy = [seat(10, 0, seats=3), seat(10, 0, seats=2)]
    offered = seats_by_time(slots_on(MONDAY, MORNING, GROUP_RULES, busy=busy))
    assert "10:00" not in offered
    assert "10:30" in offered


def test_a_group_session_blocks_overlapping_starts_of_the_same_type():
    rules = make_rules(step=minutes(15), capacity=5)
    offered = seats_by_time(slots_on(MONDAY, MORNING, rules, busy=[seat(10, 0)]))
    assert offered["10:00"] == 4
    assert "09:45" not in offered and "10:15" not in offered


def test_a_group_booking_of_another_type_at_the_same_time_blocks():
    offered = seats_by_time(slots_on(MONDAY, MORNING, GROUP_RULES, busy=[seat(10, 0, meeting_type_id=2)]))
    assert "10:00" not in offered


def test_a_booking_of_the_same_type_with_another_length_blocks():
    offered = seats_by_time(slots_on(MONDAY, MORNING, GROUP_RULES, busy=[seat(10, 0, length=45)]))
    assert "10:00" not in offered


def test_a_one_on_one_slot_already_booked_is_hidden():
    offered = seats_by_time(slots_on(MONDAY, MORNING, HALF_HOURLY, busy=[seat(10, 0)]))
    assert "10:00" not in offered
    assert offered["10:30"] == 1


# --- find_slot ---------------------------------------------------------------------------------


def find(start, rules=HALF_HOURLY, availability=MORNING, busy=(), now=LONG_AGO):
    return find_slot(rules=rules, availability=availability, busy=list(busy), now=now, start=start)


def test_find_slot_returns_the_bookable_slot():
    start = at(NEW_YORK, 2026, 3, 2, 10, 30)
    slot = find(start.astimezone(KOLKATA))  # any zone
    assert slot == Slot(start.astimezone(UTC), start.astimezone(UTC) + minutes(30), 1)
    assert slot.start.tzinfo is UTC


def test_find_slot_refuses_a_start_off_the_step_grid():
    assert find(at(NEW_YORK, 2026, 3, 2, 10, 15)) is None
    assert find(at(NEW_YORK, 2026, 3, 2, 10, 31)) is None


def test_find_slot_refuses_a_start_outside_the_hours():
    assert find(at(NEW_YORK, 2026, 3, 2, 12, 45)) is None  # would end after 13:00
    assert find(at(NEW_YORK, 2026, 3, 2, 13, 0)) is None
    assert find(at(NEW_YORK, 2026, 3, 2, 8, 30)) is None
    closed = make_availability(NEW_YORK, "09:00-13:00", overrides={MONDAY: []})
    assert find(at(NEW_YORK, 2026, 3, 2, 10, 0), availability=closed) is None


def test_find_slot_refuses_the_past_and_short_notice():
    now = at(NEW_YORK, 2026, 3, 2, 10, 0)
    assert find(at(NEW_YORK, 2026, 3, 2, 9, 30), now=now) is None
    rules = make_rules(step=minutes(30), min_notice=minutes(60))
    assert find(at(NEW_YORK, 2026, 3, 2, 10, 30), rules=rules, now=now) is None
    assert find(at(NEW_YORK, 2026, 3, 2, 11, 0), rules=rules, now=now) is not None


def test_find_slot_refuses_a_start_beyond_the_horizon():
    now = at(NEW_YORK, 2026, 3, 1, 10, 0)
    rules = make_rules(step=minutes(30), horizon=dt.timedelta(days=1))
    assert find(at(NEW_YORK, 2026, 3, 2, 10, 0), rules=rules, now=now) is not None
    assert find(at(NEW_YORK, 2026, 3, 2, 10, 30), rules=rules, now=now) is None


def test_find_slot_refuses_a_conflict():
    taken = booking(NEW_YORK, 2026, 3, 2, 10, 0, 60, buffer_after=minutes(30))
    assert find(at(NEW_YORK, 2026, 3, 2, 11, 0), busy=[taken]) is None
    assert find(at(NEW_YORK, 2026, 3, 2, 11, 30), busy=[taken]) is not None


def test_find_slot_counts_group_seats():
    assert find(at(NEW_YORK, 2026, 3, 2, 10), rules=GROUP_RULES, busy=[seat(10, 0, 3)]).seats_left == 2
    assert find(at(NEW_YORK, 2026, 3, 2, 10), rules=GROUP_RULES, busy=[seat(10, 0, 5)]) is None


def test_find_slot_knows_both_passes_of_a_repeated_hour():
    availability = make_availability(NEW_YORK, "00:00-04:00")
    first = find(at(NEW_YORK, 2026, 11, 1, 1, 30, fold=0), availability=availability)
    second = find(at(NEW_YORK, 2026, 11, 1, 1, 30, fold=1), availability=availability)
    assert second.start - first.start == dt.timedelta(hours=1)


def test_find_slot_refuses_a_naive_start():
    with pytest.raises(ValueError):
        find(dt.datetime(2026, 3, 2, 10, 0))


def test_busy_window_covers_buffers_and_duration():
    start = at(NEW_YORK, 2026, 3, 2)
    window = busy_window(
        range_start=start,
        range_end=start + dt.timedelta(days=1),
        max_duration=minutes(90),
        max_buffer=minutes(30),
    )
    assert window == (
        start.astimezone(UTC) - minutes(30),
        start.astimezone(UTC) + dt.timedelta(days=1, minutes=120),
    )
    assert all(moment.tzinfo is UTC for moment in window)


# --- Properties against a brute-force reference ------------------------------------------------

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Australia/Lord_Howe",  # half-hour daylight saving
    "America/St_Johns",
    "Asia/Kathmandu",
    "America/Havana",  # its clock changes at midnight: 00:00 happens twice, or not at all
    "UTC",
]
DAYS_NEAR_CHANGES = [
    dt.date(2026, 3, 8),
    dt.date(2026, 11, 1),
    dt.date(2026, 3, 29),
    dt.date(2026, 10, 25),
    dt.date(2026, 4, 5),
    dt.date(2026, 10, 4),
    dt.date(2026, 6, 15),
]
QUARTERS_A_DAY = 24 * 4


@st.composite
def intervals(draw):
    # A third of them start at midnight or end at it, so hours running across midnight (a late
    # evening, then the next day's early hours) are common, not a rare draw.
    shape = draw(st.sampled_from(["any", "any", "evening", "morning"]))
    if shape == "morning":
        first = 0
        last = draw(st.integers(1, 40))
    elif shape == "evening":
        first = draw(st.integers(QUARTERS_A_DAY - 40, QUARTERS_A_DAY - 1))
        last = QUARTERS_A_DAY
    else:
        first = draw(st.integers(0, QUARTERS_A_DAY - 1))
        last = draw(st.integers(first + 1, min(first + 40, QUARTERS_A_DAY)))

    def clock(quarter):
        return dt.time(0) if quarter == QUARTERS_A_DAY else dt.time(quarter // 4, quarter % 4 * 15)

    return Interval(clock(first), clock(last))


# The parts of a scenario that do not depend on earlier draws, built once: a strategy made inside
# ``scenarios`` was made and validated again at every draw, most of the properties' CPU.
A_ZONE = st.sampled_from(ZONES)
A_BASE_DAY = st.sampled_from(DAYS_NEAR_CHANGES)
WEEKLY_HOURS = st.dictionaries(st.integers(0, 6), st.lists(intervals(), max_size=3))
DURATIONS = st.sampled_from([15, 30, 45, 60, 90])
BUFFERS_BEFORE = st.sampled_from([0, 5, 15, 30])
BUFFERS_AFTER = st.sampled_from([0, 10, 15, 60])
NOTICES = st.sampled_from([0, 30, 240, 1440])
HORIZON_HOURS = st.sampled_from([12, 48, 96, 24 * 60])
STEPS = st.sampled_from([15, 20, 30, 45, 60])
CAPACITIES = st.sampled_from([1, 1, 2, 5])
NOW_QUARTERS_BACK = st.integers(0, 4 * 72)
START_QUARTERS = st.integers(-4 * 36, 4 * 36)
RANGE_QUARTERS = st.integers(1, 4 * 24 * 3)
SEATS = st.integers(1, 3)
# Days of their own hours from the day before a base day to two days after it.
OVERRIDES_AROUND = {
    base_day: st.dictionaries(
        st.sampled_from([base_day + dt.timedelta(days=shift) for shift in range(-1, 3)]),
        st.lists(intervals(), max_size=2),
    )
    for base_day in DAYS_NEAR_CHANGES
}
# A booking as minutes from the range's start: offset, length, its buffers, its type and seats.
BUSY_SHAPES = st.lists(
    st.tuples(
        st.integers(-8 * 60 // 15, 4 * 24 * 4).map(lambda quarter: quarter * 15),
        st.sampled_from([15, 30, 45, 60, 90, 240]),
        st.sampled_from([0, 0, 10, 30]),
        st.sampled_from([0, 0, 15, 60]),
        st.sampled_from([1, 1, 2]),
        SEATS,
    ),
    max_size=25,
)


@st.composite
def scenarios(draw):
    tz = ZoneInfo(draw(A_ZONE))
    base_day = draw(A_BASE_DAY)
    weekly = draw(WEEKLY_HOURS)
    overrides = draw(OVERRIDES_AROUND[base_day])
    availability = WeeklyAvailability(tz=tz, weekly=weekly, overrides=overrides)
    rules = SlotRules(
        meeting_type_id=1,
        duration=minutes(draw(DURATIONS)),
        buffer_before=minutes(draw(BUFFERS_BEFORE)),
        buffer_after=minutes(draw(BUFFERS_AFTER)),
        min_notice=minutes(draw(NOTICES)),
        horizon=dt.timedelta(hours=draw(HORIZON_HOURS)),
        step=minutes(draw(STEPS)),
        capacity=draw(CAPACITIES),
    )
    anchor = dt.datetime.combine(base_day, dt.time(0), tzinfo=UTC)
    now = anchor - minutes(15 * draw(NOW_QUARTERS_BACK))
    range_start = anchor + minutes(15 * draw(START_QUARTERS))
    range_end = range_start + minutes(15 * draw(RANGE_QUARTERS))
    viewer = ZoneInfo(draw(A_ZONE))
    busy = [
        Busy(
            start=range_start + minutes(offset),
            end=range_start + minutes(offset + length),
            buffer_before=minutes(before),
            buffer_after=minutes(after),
            meeting_type_id=meeting_type_id,
            seats=seats,
        )
        for offset, length, before, after, meeting_type_id, seats in draw(BUSY_SHAPES)
    ]
    # Seats of sessions at offered times: exact matches are rare by chance, so pick some.
    free = reference_slots(rules, availability, [], now, range_start, range_end)
    if free:
        for slot in draw(st.lists(st.sampled_from(free), max_size=4)):
            busy.append(Busy(slot.start, slot.end, minutes(0), minutes(0), 1, draw(SEATS)))
    busy = draw(st.permutations(busy))
    return dict(
        rules=rules,
        availability=availability,
        busy=busy,
        now=now.astimezone(viewer),
        range_start=range_start.astimezone(viewer),
        range_end=range_end.astimezone(viewer),
    )


def hours_on(availability: WeeklyAvailability, day: dt.date):
    if day in availability.overrides:
        return availability.overrides[day]
    return availability.weekly.get(day.weekday(), [])


def wall_bounds(interval: Interval, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, interval.start)
    if interval.end == dt.time(0):
        return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0))
    return start, dt.datetime.combine(day, interval.end)


def instants_reading(wall: dt.datetime, tz) -> list[dt.datetime]:
    """All UTC instants at which the clock in ``tz`` reads ``wall``."""
    found = set()
    for fold in (0, 1):
        moment = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if moment.astimezone(tz).replace(tzinfo=None) == wall:
            found.add(moment)
    return sorted(found)


def end_instant(wall: dt.datetime, tz) -> dt.datetime:
    """Later reading of an ambiguous end, but the first when the clock goes back exactly then (the
    moment before reads once); for an end in a gap, the minute the clock jumps past it."""
    readings = instants_reading(wall, tz)
    if readings:
        if len(instants_reading(wall - dt.timedelta(microseconds=1), tz)) < 2:
            return readings[0]
        return readings[-1]
    moment = min(wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    while moment.astimezone(tz).replace(tzinfo=None) < wall:
        moment += minutes(1)
    return moment


def overlaps(start_a, end_a, start_b, end_b) -> bool:
    return start_a < end_b and start_b < end_a


def conflicts(rules: SlotRules, start, end, taken: Busy) -> bool:
    return overlaps(start - rules.buffer_before, end + rules.buffer_after, taken.start, taken.end) or overlaps(
        taken.start - taken.buffer_before, taken.end + taken.buffer_after, start, end
    )


def is_seat(rules: SlotRules, start, end, taken: Busy) -> bool:
    return taken.meeting_type_id == rules.meeting_type_id and (taken.start, taken.end) == (start, end)


def run_end(availability: WeeklyAvailability, interval: Interval, day: dt.date) -> dt.datetime:
    """The wall end of the hours `interval` belongs to: grown by every interval that touches or
    overlaps them, of its own day or the next two (hours that end at midnight go on into the next
    day's hours from 00:00), until none does."""
    start, end = wall_bounds(interval, day)
    spans = [wall_bounds(other, other_day)
             for other_day in (day + dt.timedelta(days=shift) for shift in range(3))
             for other in hours_on(availability, other_day)]
    grown = True
    while grown:
        grown = False
        for other_start, other_end in spans:
            if other_start <= end and other_end > end and other_end > start:
                end, grown = other_end, True
    return end


def reference_slots(rules, availability, busy, now, range_start, range_end) -> list[Slot]:
    """The semantics written as plainly as possible: every wall time, every booking."""
    tz = availability.tz
    now = now.astimezone(UTC)  # aware arithmetic in a ZoneInfo zone would be wall-clock arithmetic
    found = {}
    day = range_start.astimezone(tz).date() - dt.timedelta(days=1)
    while day <= range_end.astimezone(tz).date() + dt.timedelta(days=1):
        day_hours = hours_on(availability, day)
        for interval in day_hours:
            wall, wall_end = wall_bounds(interval, day)
            closes = end_instant(run_end(availability, interval, day), tz)
            while wall < wall_end:
                for start in instants_reading(wall, tz):
                    end = start + rules.duration
                    if not (
                        end <= closes
                        and range_start <= start < range_end
                        and now + rules.min_notice <= start <= now + rules.horizon
                    ):
                        continue
                    seats_left = rules.capacity
                    blocked = False
                    for taken in busy:
                        if is_seat(rules, start, end, taken):
                            seats_left -= taken.seats
                        elif conflicts(rules, start, end, taken):
                            blocked = True
                    if not blocked and seats_left > 0:
                        found[start] = Slot(start, end, seats_left)
                wall += rules.step
        day += dt.timedelta(days=1)
    return [found[start] for start in sorted(found)]


PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(scenarios())
def test_slots_keep_every_rule(scenario):
    rules, availability, busy = scenario["rules"], scenario["availability"], scenario["busy"]
    tz = availability.tz
    slots = compute_slots(**scenario)

    starts = [slot.start for slot in slots]
    assert starts == sorted(set(starts))
    for slot in slots:
        assert slot.start.tzinfo is UTC and slot.end.tzinfo is UTC
        assert slot.end - slot.start == rules.duration
        assert scenario["range_start"] <= slot.start < scenario["range_end"]
        # Notice and horizon are spans of real time, not of the wall clock: add them in UTC.
        now = scenario["now"].astimezone(UTC)
        assert now + rules.min_notice <= slot.start <= now + rules.horizon
        # Inside the owner's hours for its local date, on that interval's step grid, ending by the
        # end of the run of touching or overlapping hours it starts in (across midnight too).
        local_start = slot.start.astimezone(tz)
        wall = local_start.replace(tzinfo=None, fold=0)
        homes = []
        day_hours = hours_on(availability, local_start.date())
        for interval in day_hours:
            wall_start, wall_end = wall_bounds(interval, local_start.date())
            if (
                wall_start <= wall < wall_end
                and (wall - wall_start) % rules.step == dt.timedelta(0)
                and slot.end <= end_instant(run_end(availability, interval, local_start.date()), tz)
            ):
                homes.append(interval)
        assert homes, f"{slot} lies outside the owner's hours"
        # No conflicting booking, and the seats add up.
        seats_taken = 0
        for taken in busy:
            if is_seat(rules, slot.start, slot.end, taken):
                seats_taken += taken.seats
            else:
                assert not conflicts(rules, slot.start, slot.end, taken), (slot, taken)
        assert 0 < slot.seats_left == rules.capacity - seats_taken


@PROPERTY_SETTINGS
@given(scenarios())
def test_slots_match_the_brute_force_reference(scenario):
    assert compute_slots(**scenario) == reference_slots(**scenario)


@PROPERTY_SETTINGS
@given(scenarios())
def test_loading_only_the_busy_window_changes_nothing(scenario):
    rules = scenario["rules"]
    largest_buffer = max(
        [rules.buffer_before, rules.buffer_after]
        + [buffer for taken in scenario["busy"] for buffer in (taken.buffer_before, taken.buffer_after)]
    )
    window_start, window_end = busy_window(
        range_start=scenario["range_start"],
        range_end=scenario["range_end"],
        max_duration=rules.duration,
        max_buffer=largest_buffer,
    )
    loaded = [taken for taken in scenario["busy"] if taken.start < window_end and taken.end > window_start]
    assert compute_slots(**scenario) == compute_slots(**{**scenario, "busy": loaded})


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_find_slot_agrees_with_compute_slots(scenario, data):
    slots = compute_slots(**scenario)
    question = dict(
        rules=scenario["rules"],
        availability=scenario["availability"],
        busy=scenario["busy"],
        now=scenario["now"],
    )
    if slots:
        slot = data.draw(st.sampled_from(slots))
        assert find_slot(**question, start=slot.start) == slot
    offered = {slot.start for slot in slots}
    # In UTC: the ends are in the viewer's zone, and Python subtracts two datetimes of one zone
    # by wall clock, so a range across a fall-back night (02:00 to 02:00 fold=1) came out empty.
    span = scenario["range_end"].astimezone(UTC) - scenario["range_start"].astimezone(UTC)
    for _ in range(3):
        offset = data.draw(st.integers(0, span // minutes(5) - 1)) * minutes(5)
        start = scenario["range_start"].astimezone(UTC) + offset
        found = find_slot(**question, start=start)
        assert (found is not None) == (start in offered)


# --- Timing check, run by hand: python -m scheduling.tests.test_slots ---------------------------


def benchmark(busy_count: int = 5000, days: int = 60, repeats: int = 20) -> None:
    """Time 60 days of 30-minute-step slots against 5,000 bookings (target: under 10 ms)."""
    now = dt.datetime(2026, 2, 20, 12, tzinfo=UTC)
    rules = SlotRules(
        meeting_type_id=1,
        duration=minutes(30),
        buffer_before=minutes(10),
        buffer_after=minutes(10),
        min_notice=dt.timedelta(hours=4),
        horizon=dt.timedelta(days=days),
        step=minutes(30),
        capacity=1,
    )
    randomness = random.Random(7)
    for label, spread_days, availability in [
        ("weekdays 09-17, busy packed in range", days, make_availability(NEW_YORK, "09:00-17:00", days=range(5))),
        ("all day every day, busy packed in range", days, make_availability(NEW_YORK, "00:00-00:00")),
        ("all day every day, busy spread over 2 years", 730, make_availability(NEW_YORK, "00:00-00:00")),
    ]:  # fmt: skip
        busy = []
        for _ in range(busy_count):
            start = now + minutes(15 * randomness.randrange(0, spread_days * 96))
            busy.append(
                Busy(start, start + minutes(randomness.choice([15, 30, 60])), minutes(5), minutes(5),
                     randomness.choice([1, 2]))
            )  # fmt: skip
        busy.sort(key=lambda taken: taken.start)
        timings = []
        for _ in range(repeats):
            began = time_module.perf_counter()
            slots = compute_slots(
                rules=rules,
                availability=availability,
                busy=busy,
                now=now,
                range_start=now,
                range_end=now + dt.timedelta(days=days),
            )
            timings.append(time_module.perf_counter() - began)
        probe = slots[len(slots) // 2].start
        began = time_module.perf_counter()
        for _ in range(repeats):
            find_slot(rules=rules, availability=availability, busy=busy, now=now, start=probe)
        find_ms = (time_module.perf_counter() - began) / repeats * 1000
        timings.sort()
        print(
            f"{label}: {len(slots)} slots, compute_slots best {timings[0] * 1000:.2f} ms, "
            f"median {timings[len(timings) // 2] * 1000:.2f} ms; find_slot {find_ms:.2f} ms"
        )


if __name__ == "__main__":
    benchmark()
