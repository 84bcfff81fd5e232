"""A property: across daylight-saving changes (New York's and the feed's own zone's), no offered
time overlaps a busy time of the owner's calendars, and each busy time is the event's wall-clock
time in its own zone."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars import ics
from scheduling.availability import available_slots
from scheduling.models import ExternalBusy
from tests import make_meeting_type, set_weekly_hours

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
# Days around the four changes of 2026: New York 8 March and 1 November, Berlin 29 March and 25 October.
CHANGE_DAYS = [datetime(2026, 3, 7), datetime(2026, 3, 28), datetime(2026, 10, 24), datetime(2026, 10, 31)]

events = st.lists(st.tuples(
    st.sampled_from(CHANGE_DAYS), st.integers(0, 3 * 24 * 4 - 1),  # quarter hours over three days
    st.integers(1, 16),  # 15 minutes to 4 hours
    st.booleans(),  # weekly recurrence
), min_size=1, max_size=6)


def feed_of(chosen) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tests//EN"]
    for number, (day, quarters, length, weekly) in enumerate(chosen):
        start = day + timedelta(minutes=15 * quarters)
        end = start + timedelta(minutes=15 * length)
        lines += ["BEGIN:VEVENT", f"UID:e{number}", "DTSTAMP:20260101T000000Z",
                  f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}", f"DTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}"]
        if weekly:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=3")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=events, step=st.sampled_from([15, 30, 60]), duration=st.sampled_from([15, 30, 45, 90]))
def test_no_offered_time_overlaps_a_busy_time_across_daylight_saving_changes(owner, chosen, step, duration):
    ExternalBusy.objects.all().delete()
    set_weekly_hours(owner, {weekday: [(time(0), time(0))] for weekday in range(7)})
    meeting_type = make_meeting_type(owner, duration_minutes=duration, slot_step_minutes=step, horizon_days=400)
    window_start, window_end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)

    reading = ics.busy_intervals(ics.parse(feed_of(chosen)), zone=NEW_YORK, window_start=window_start,
                                 window_end=window_end, all_day_busy=True)
    ExternalBusy.objects.bulk_create([ExternalBusy(owner=owner, source_id=1, start=start, end=end)
                                      for start, end in reading.intervals])

    for day, quarters, length, weekly in chosen:
        for week in range(3 if weekly else 1):
            local = day + timedelta(minutes=15 * quarters, weeks=week)
            start = local.replace(tzinfo=BERLIN).astimezone(UTC)
            end = (local + timedelta(minutes=15 * length)).replace(tzinfo=BERLIN).astimezone(UTC)
            if end <= start:
                continue  # an hour the spring change skips (02:00-03:00 on 29 March) lasts no time at all
            assert any(busy_start <= start and end <= busy_end for busy_start, busy_end in _merged(reading.intervals)), \
                (local, start, end)
    for day in CHANGE_DAYS:
        range_start = day.replace(tzinfo=UTC) - timedelta(days=1)
        offered = available_slots(meeting_type=meeting_type, range_start=range_start,
                                  range_end=range_start + timedelta(days=25), now=window_start)
        assert offered
        for slot in offered:
            assert not any(slot.start < busy_end and busy_start < slot.end
                           for busy_start, busy_end in reading.intervals), slot


def _merged(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
