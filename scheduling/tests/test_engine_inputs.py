"""What the slot engine is given: the owner's weekly hours, the overrides in range and the busy
bookings in a window, read in one query, with the values the ORM would read (aware UTC datetimes,
dates, times) on SQLite and on PostgreSQL alike."""
from datetime import UTC, date, datetime, time, timedelta

from scheduling import slots
from scheduling.availability import LONGEST_MEETING, load_engine_inputs
from scheduling.models import Booking, BookingStatus, DateOverride, MeetingTypeKind, WeeklyInterval
from tests import make_booking, make_meeting_type, set_weekly_hours

WINDOW_START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)


def load(owner, **kw):
    return load_engine_inputs(owner=owner, first_day=date(2026, 12, 6), last_day=date(2026, 12, 10),
                              window_start=WINDOW_START, window_end=WINDOW_END, **kw)


def sorted_hours(hours_by_day: dict) -> dict:
    """The engine takes a day's intervals in any order."""
    return {day: sorted(hours, key=lambda interval: interval.start) for day, hours in hours_by_day.items()}


def test_weekly_hours_and_the_overrides_in_range(owner, other_owner, django_assert_num_queries):
    set_weekly_hours(owner, {0: [(time(9), time(12)), (time(13), time(17))], 4: [(time(22), time(0))]})
    set_weekly_hours(other_owner, {1: [(time(8), time(9))]})
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 6), start_time=time(10), end_time=time(11))
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 6), start_time=time(14), end_time=time(15))
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 10))  # closed all day
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 5), start_time=time(9), end_time=time(10))
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 11), start_time=time(9), end_time=time(10))
    DateOverride.objects.create(owner=other_owner, date=date(2026, 12, 8), start_time=time(9), end_time=time(10))

    with django_assert_num_queries(1):
        availability, busy = load(owner)

    assert str(availability.tz) == owner.timezone
    assert sorted_hours(availability.weekly) == {
        0: [slots.Interval(time(9), time(12)), slots.Interval(time(13), time(17))],
        4: [slots.Interval(time(22), time(0))],
    }
    assert sorted_hours(availability.overrides) == {
        date(2026, 12, 6): [slots.Interval(time(10), time(11)), slots.Interval(time(14), time(15))],
        date(2026, 12, 10): [],
    }
    assert busy == []


def test_an_owner_without_hours_has_none(owner):
    availability, busy = load(owner)

    assert availability.weekly == {} and availability.overrides == {} and busy == []


def test_the_confirmed_bookings_overlapping_the_window_with_their_buffers(owner, other_owner):
    padded = make_meeting_type(owner, buffer_before_minutes=15, buffer_after_minutes=10)
    plain = make_meeting_type(owner, duration_minutes=60)
    # Group sessions (the long one, and the two that touch the window) overlap the 1:1 bookings:
    # PostgreSQL's no-overlap constraint allows that (keeping them apart is the booking code's
    # check), and this test reads rows only.
    long = make_meeting_type(owner, duration_minutes=LONGEST_MEETING // timedelta(minutes=1),
                             kind=MeetingTypeKind.GROUP)
    edge = make_meeting_type(owner, duration_minutes=60, kind=MeetingTypeKind.GROUP)
    theirs = make_meeting_type(other_owner)
    inside = make_booking(padded, datetime(2026, 12, 8, 14, 0, tzinfo=UTC))
    across_the_start = make_booking(plain, WINDOW_START - timedelta(minutes=30))
    across_the_end = make_booking(plain, WINDOW_END - timedelta(minutes=30))
    longest_across_the_start = make_booking(long, WINDOW_START - LONGEST_MEETING + timedelta(minutes=1))
    make_booking(edge, WINDOW_START - timedelta(minutes=60))  # ends as the window starts
    make_booking(edge, WINDOW_END)  # starts as the window ends
    make_booking(padded, datetime(2026, 12, 8, 16, 0, tzinfo=UTC), status=BookingStatus.CANCELLED)
    make_booking(theirs, datetime(2026, 12, 8, 14, 0, tzinfo=UTC))

    availability, busy = load(owner)

    assert sorted(busy, key=lambda entry: entry.start) == [
        slots.Busy(longest_across_the_start.start, longest_across_the_start.end, timedelta(0), timedelta(0), long.pk),
        slots.Busy(across_the_start.start, across_the_start.end, timedelta(0), timedelta(0), plain.pk),
        slots.Busy(inside.start, inside.end, timedelta(minutes=15), timedelta(minutes=10), padded.pk),
        slots.Busy(across_the_end.start, across_the_end.end, timedelta(0), timedelta(0), plain.pk),
    ]
    assert all(entry.start.tzinfo is UTC and entry.end.tzinfo is UTC for entry in busy)


def test_a_booking_being_moved_is_left_out(owner, django_assert_num_queries):
    meeting_type = make_meeting_type(owner)
    moving = make_booking(meeting_type, datetime(2026, 12, 8, 14, 0, tzinfo=UTC))
    staying = make_booking(meeting_type, datetime(2026, 12, 8, 15, 0, tzinfo=UTC))

    with django_assert_num_queries(1):
        _availability, busy = load(owner, exclude_booking_id=moving.pk)

    assert [entry.start for entry in busy] == [staying.start]


def test_what_it_reads_is_what_the_orm_reads(owner, other_owner):
    """The three ORM queries it replaced, on a week of hours, overrides and bookings of every kind."""
    set_weekly_hours(owner, {day: [(time(8), time(12)), (time(13), time(18))] for day in range(6)})
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 8), start_time=time(7, 30), end_time=time(9, 15))
    DateOverride.objects.create(owner=owner, date=date(2026, 12, 9))
    types = [make_meeting_type(owner, duration_minutes=minutes, buffer_before_minutes=before, buffer_after_minutes=after)
             for minutes, before, after in ((30, 0, 10), (45, 5, 0), (90, 15, 15))]
    for hour in range(0, 72, 5):
        meeting_type = types[hour % 3]
        make_booking(meeting_type, WINDOW_START - timedelta(hours=6) + timedelta(hours=hour, minutes=7 * (hour % 4)),
                     status=BookingStatus.CANCELLED if hour % 7 == 0 else BookingStatus.CONFIRMED)
    make_booking(make_meeting_type(other_owner), WINDOW_START + timedelta(hours=3))

    availability, busy = load(owner)

    weekly = {}
    for weekday, start, end in WeeklyInterval.objects.filter(owner=owner).values_list("weekday", "start_time", "end_time"):
        weekly.setdefault(weekday, []).append(slots.Interval(start, end))
    overrides = {}
    for day, start, end in DateOverride.objects.filter(owner=owner, date__gte=date(2026, 12, 6),
                                                       date__lte=date(2026, 12, 10)).values_list("date", "start_time",
                                                                                                 "end_time"):
        overrides.setdefault(day, []).extend([slots.Interval(start, end)] if start is not None else [])
    orm_busy = [
        slots.Busy(start, end, timedelta(minutes=before), timedelta(minutes=after), meeting_type_id)
        for start, end, meeting_type_id, before, after in Booking.objects.filter(
            owner=owner, status=BookingStatus.CONFIRMED, start__lt=WINDOW_END, end__gt=WINDOW_START,
        ).values_list("start", "end", "meeting_type_id", "meeting_type__buffer_before_minutes",
                      "meeting_type__buffer_after_minutes")
    ]
    assert sorted_hours(availability.weekly) == sorted_hours(weekly)
    assert sorted_hours(availability.overrides) == sorted_hours(overrides)
    assert len(orm_busy) > 5
    assert sorted(busy, key=lambda entry: entry.start) == orm_busy


def test_a_thread_that_read_them_leaves_no_connection_behind(owner):
    """The converters are kept on the thread's connection, not in a module-level cache that would
    hold every finished thread's connection open (PostgreSQL then cannot drop the database)."""
    import gc
    import threading
    import weakref

    from django.db import connections

    seen = []

    def read():
        load(owner)
        seen.append(weakref.ref(connections["default"]))

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    gc.collect()

    assert seen and seen[0]() is None


def test_no_meeting_type_can_outlast_the_bound_of_the_busy_query():
    """The busy query finds a booking only if it lasts at most LONGEST_MEETING: the model and the
    personal and team meeting type forms refuse anything longer, from the one constant."""
    from django.core.validators import MaxValueValidator

    from scheduling.forms import MeetingTypeForm
    from scheduling.models import MeetingType
    from teams.forms import TeamMeetingTypeForm

    longest = LONGEST_MEETING // timedelta(minutes=1)
    validators = MeetingType._meta.get_field("duration_minutes").validators
    assert [v.limit_value for v in validators if isinstance(v, MaxValueValidator)] == [longest]
    assert MeetingTypeForm.base_fields["duration_minutes"].max_value == longest
    assert TeamMeetingTypeForm.base_fields["duration_minutes"].max_value == longest


def test_external_busy_times_overlapping_the_window_in_the_same_query(owner, other_owner, django_assert_num_queries):
    """Busy times from the owner's other calendars come with the bookings, without buffers and of no
    meeting type; pieces are at most LONGEST_EXTERNAL_PIECE long, the bound of the index range."""
    from scheduling.availability import EXTERNAL_MEETING_TYPE_ID, LONGEST_EXTERNAL_PIECE
    from scheduling.models import ExternalBusy

    def external(who, start, end):
        return ExternalBusy.objects.create(owner=who, source_id=1, start=start, end=end)

    inside = external(owner, datetime(2026, 12, 8, 9, 0, tzinfo=UTC), datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    across = external(owner, WINDOW_START - LONGEST_EXTERNAL_PIECE + timedelta(minutes=1),
                      WINDOW_START + timedelta(minutes=1))
    external(owner, WINDOW_START - timedelta(hours=1), WINDOW_START)  # ends as the window starts
    external(owner, WINDOW_END, WINDOW_END + timedelta(hours=1))  # starts as it ends
    external(other_owner, datetime(2026, 12, 8, 9, 0, tzinfo=UTC), datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    booking = make_booking(make_meeting_type(owner), datetime(2026, 12, 8, 14, 0, tzinfo=UTC))

    with django_assert_num_queries(1):
        _availability, busy = load(owner, exclude_booking_id=booking.pk + 1000)

    assert sorted(busy, key=lambda entry: entry.start) == [
        slots.Busy(across.start, across.end, timedelta(0), timedelta(0), EXTERNAL_MEETING_TYPE_ID),
        slots.Busy(inside.start, inside.end, timedelta(0), timedelta(0), EXTERNAL_MEETING_TYPE_ID),
        slots.Busy(booking.start, booking.end, timedelta(0), timedelta(0), booking.meeting_type_id),
    ]
    assert all(entry.start.tzinfo is UTC and entry.end.tzinfo is UTC for entry in busy)
