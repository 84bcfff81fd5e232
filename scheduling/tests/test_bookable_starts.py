"""bookable_starts: several chosen times checked in one batch give the same answers as asking
bookable_slot for each (the "Book several sessions" page relies on it)."""
from datetime import UTC, datetime, time, timedelta

from scheduling.availability import bookable_slot, bookable_starts
from tests import make_booking, make_meeting_type, make_owner, set_weekly_hours

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)  # a Monday; the owner works 9-17 in New York (13-21 UTC)


def test_a_batch_answers_as_each_time_alone(db):
    owner = make_owner(timezone="America/New_York")
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    meeting_type = make_meeting_type(owner)
    taken = datetime(2026, 6, 2, 14, tzinfo=UTC)
    make_booking(meeting_type, taken)
    starts = [
        taken,                                  # booked by someone else
        taken + timedelta(minutes=30),          # free
        datetime(2026, 6, 2, 14, 10, tzinfo=UTC),  # off the 30-minute grid
        datetime(2026, 6, 6, 14, tzinfo=UTC),   # a Saturday: no hours
        datetime(2026, 6, 29, 15, tzinfo=UTC),  # four weeks on: free
        NOW - timedelta(days=1),                # the past
    ]
    one_by_one = {start for start in starts if bookable_slot(meeting_type=meeting_type, start=start, now=NOW)}
    assert bookable_starts(meeting_type=meeting_type, starts=starts, now=NOW) == one_by_one == {
        taken + timedelta(minutes=30), datetime(2026, 6, 29, 15, tzinfo=UTC)}
    assert bookable_starts(meeting_type=meeting_type, starts=[], now=NOW) == set()
