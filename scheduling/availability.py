"""Loads what the slot engine needs from the database: one query per call, whatever the data.

`available_slots` answers "which times can this meeting type be booked at in this range?" for
pages; `bookable_slot` answers "is this exact time bookable right now?" for the booking services,
which call it after taking the owner's lock so the answer cannot go stale before the insert.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.db.models.expressions import Col
from django.utils import timezone

from scheduling import slots
from scheduling.models import Booking, BookingStatus, DateOverride, MeetingType, WeeklyInterval

# Buffers are capped at 4 hours by the meeting type form; a day of margin is safely larger, and
# lets the busy query run without first asking for the owner's largest buffer.
BUSY_MARGIN = timedelta(days=1)
# No booking lasts longer than this (the form caps durations at 12 hours). It bounds the index
# range of the busy query from below: without it, "end > window start" matches nothing in the
# (owner, status, start) index and PostgreSQL walks every past booking of the owner.
LONGEST_MEETING = timedelta(hours=12)


def load_engine_inputs(*, owner, first_day: date, last_day: date, window_start: datetime, window_end: datetime,
                       exclude_booking_id: int | None = None) -> tuple[slots.WeeklyAvailability, list[slots.Busy]]:
    """The owner's weekly hours, their overrides between two owner-local dates and their confirmed
    bookings (any meeting type) that overlap [window_start, window_end): one query.

    One round trip of plain SQL rather than three ORM queries: building and compiling the three
    querysets cost more than the database's work (see docs/performance.md). The bookings part uses
    the (owner, status, start) index, bounded on both sides.
    """
    connection = connections[router.db_for_read(Booking)]
    query = _inputs_query(connection)
    prep_date = DateOverride._meta.get_field("date").get_db_prep_value
    prep_datetime = Booking._meta.get_field("start").get_db_prep_value
    params = [
        owner.pk,
        owner.pk, prep_date(first_day, connection), prep_date(last_day, connection),
        owner.pk, BookingStatus.CONFIRMED.value, prep_datetime(window_start - LONGEST_MEETING, connection),
        prep_datetime(window_end, connection), prep_datetime(window_start, connection),
    ]
    sql = query.sql
    if exclude_booking_id is not None:
        sql += _EXCLUDE_BOOKING_SQL
        params.append(exclude_booking_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if query.converted:
        rows = _convert(rows, query.converted, connection)

    weekly: dict[int, list[slots.Interval]] = {}
    overrides: dict[date, list[slots.Interval]] = {}
    busy: list[slots.Busy] = []
    buffers: dict[int, timedelta] = {}  # a few distinct minute values: one timedelta each
    for kind, weekday, day, start_time, end_time, start, end, meeting_type_id, before, after in rows:
        if kind == _BOOKING:
            if before not in buffers:
                buffers[before] = timedelta(minutes=before)
            if after not in buffers:
                buffers[after] = timedelta(minutes=after)
            busy.append(slots.Busy(start, end, buffers[before], buffers[after], meeting_type_id))
        elif kind == _WEEKLY:
            weekly.setdefault(weekday, []).append(slots.Interval(start_time, end_time))
        else:
            hours = overrides.setdefault(day, [])  # no hours: closed that day
            if start_time is not None and end_time is not None:
                hours.append(slots.Interval(start_time, end_time))
    availability = slots.WeeklyAvailability(tz=ZoneInfo(owner.timezone), weekly=weekly, overrides=overrides)
    return availability, busy


# What a row of `_INPUTS_SQL` holds, in its first column.
_WEEKLY, _OVERRIDE, _BOOKING = 0, 1, 2

# Weekly hours, the overrides in a date range and the busy bookings in a window, as rows of
# (kind, weekday, date, start_time, end_time, start, end, meeting_type_id, buffer_before,
# buffer_after). The first SELECT types every column: PostgreSQL resolves a UNION's column types
# pair by pair from the left and would read a column that two SELECTs leave NULL as text.
# "end" is quoted: it is a reserved word.
_INPUTS_SQL = (
    "SELECT {weekly}, w.weekday, CAST(NULL AS {date}), w.start_time, w.end_time, CAST(NULL AS {datetime}),"
    " CAST(NULL AS {datetime}), CAST(NULL AS {key}), CAST(NULL AS {minutes}), CAST(NULL AS {minutes})"
    " FROM scheduling_weeklyinterval w WHERE w.owner_id = %s"
    " UNION ALL"
    " SELECT {override}, NULL, o.date, o.start_time, o.end_time, NULL, NULL, NULL, NULL, NULL"
    " FROM scheduling_dateoverride o WHERE o.owner_id = %s AND o.date >= %s AND o.date <= %s"
    " UNION ALL"
    " SELECT {booking}, NULL, NULL, NULL, NULL, b.start, b.\"end\", b.meeting_type_id, m.buffer_before_minutes,"
    " m.buffer_after_minutes"
    " FROM scheduling_booking b INNER JOIN scheduling_meetingtype m ON m.id = b.meeting_type_id"
    " WHERE b.owner_id = %s AND b.status = %s AND b.start >= %s AND b.start < %s AND b.\"end\" > %s"
)
_EXCLUDE_BOOKING_SQL = " AND b.id <> %s"


@dataclass(frozen=True)
class _InputsQuery:
    """`_INPUTS_SQL` for one database, and which of its columns that database returns in a form
    the ORM would convert (SQLite returns dates and datetimes as text; PostgreSQL none)."""

    sql: str
    converted: tuple[tuple[int, Col], ...]


_inputs_queries: dict[str, _InputsQuery] = {}


def _inputs_query(connection: BaseDatabaseWrapper) -> _InputsQuery:
    query = _inputs_queries.get(connection.alias)
    if query is None:
        field = {model: model._meta.get_field for model in (WeeklyInterval, DateOverride, Booking, MeetingType)}
        sql = _INPUTS_SQL.format(
            weekly=_WEEKLY, override=_OVERRIDE, booking=_BOOKING,
            date=field[DateOverride]("date").db_type(connection),
            datetime=field[Booking]("start").db_type(connection),
            key=field[Booking]("meeting_type").db_type(connection),
            minutes=field[MeetingType]("buffer_before_minutes").db_type(connection),
        )
        columns = {2: field[DateOverride]("date"), 3: field[WeeklyInterval]("start_time"),
                   4: field[WeeklyInterval]("end_time"), 5: field[Booking]("start"), 6: field[Booking]("end")}
        expressions = {index: column.get_col(column.model._meta.db_table) for index, column in columns.items()}
        converted = tuple((index, expression) for index, expression in expressions.items()
                          if connection.ops.get_db_converters(expression))
        query = _inputs_queries[connection.alias] = _InputsQuery(sql=sql, converted=converted)
    return query


def _convert(rows: list[tuple], converted: tuple[tuple[int, Col], ...], connection: BaseDatabaseWrapper) -> list[tuple]:
    """The rows with the values the ORM would have converted converted as it does."""
    converters = [(index, expression, connection.ops.get_db_converters(expression)) for index, expression in converted]
    result = []
    for row in rows:
        values = list(row)
        for index, expression, functions in converters:
            for function in functions:
                values[index] = function(values[index], expression, connection)
        result.append(tuple(values))
    return result


def rules_for(meeting_type: MeetingType, *, enforce_notice: bool = True) -> slots.SlotRules:
    return slots.SlotRules(
        meeting_type_id=meeting_type.pk,
        duration=timedelta(minutes=meeting_type.duration_minutes),
        buffer_before=timedelta(minutes=meeting_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=meeting_type.buffer_after_minutes),
        min_notice=timedelta(minutes=meeting_type.min_notice_minutes) if enforce_notice else timedelta(0),
        horizon=timedelta(days=meeting_type.horizon_days),
        step=timedelta(minutes=meeting_type.slot_step_minutes),
        capacity=meeting_type.seats,
    )


def _local_days(owner, range_start: datetime, range_end: datetime) -> tuple[date, date]:
    zone = ZoneInfo(owner.timezone)
    return (range_start.astimezone(zone).date() - timedelta(days=1),
            range_end.astimezone(zone).date() + timedelta(days=1))


def engine_inputs(meeting_type: MeetingType, range_start: datetime, range_end: datetime,
                  exclude_booking_id: int | None = None) -> tuple[slots.WeeklyAvailability, list[slots.Busy]]:
    """The owner's hours and busy bookings around [range_start, range_end], all the engine needs
    for slots starting in that range: one query."""
    owner = meeting_type.owner
    first_day, last_day = _local_days(owner, range_start, range_end)
    return load_engine_inputs(
        owner=owner, first_day=first_day, last_day=last_day,
        window_start=range_start - BUSY_MARGIN,
        window_end=range_end + meeting_type.duration + BUSY_MARGIN,
        exclude_booking_id=exclude_booking_id,
    )


def available_slots(*, meeting_type: MeetingType, range_start: datetime, range_end: datetime,
                    now: datetime | None = None, exclude_booking_id: int | None = None,
                    enforce_notice: bool = True) -> list[slots.Slot]:
    """Bookable slots of a meeting type with start in [range_start, range_end). One query (weekly
    hours, overrides and busy bookings together); `meeting_type.owner` should be select_related."""
    availability, busy = engine_inputs(meeting_type, range_start, range_end, exclude_booking_id)
    return slots.compute_slots(
        rules=rules_for(meeting_type, enforce_notice=enforce_notice), availability=availability, busy=busy,
        now=now or timezone.now(), range_start=range_start, range_end=range_end,
    )


def bookable_slot(*, meeting_type: MeetingType, start: datetime, now: datetime | None = None,
                  exclude_booking_id: int | None = None, enforce_notice: bool = True) -> slots.Slot | None:
    """The slot starting exactly at `start`, or None when that time cannot be booked now."""
    availability, busy = engine_inputs(meeting_type, start, start, exclude_booking_id)
    return slots.find_slot(
        rules=rules_for(meeting_type, enforce_notice=enforce_notice), availability=availability, busy=busy,
        now=now or timezone.now(), start=start,
    )


def bookable_starts(*, meeting_type: MeetingType, starts: list[datetime], now: datetime | None = None) -> set[datetime]:
    """Which of `starts` can be booked now: one query for all of them, so a page that lists a set
    of chosen times checks them together rather than one query per time."""
    ordered = sorted(set(starts))
    if not ordered:
        return set()
    now = now or timezone.now()
    availability, busy = engine_inputs(meeting_type, ordered[0], ordered[-1], None)
    rules = rules_for(meeting_type)
    return {start for start in ordered
            if slots.find_slot(rules=rules, availability=availability, busy=busy, now=now, start=start) is not None}


def pooled_available_slots(*, meeting_types: list[MeetingType], every_host: bool, range_start: datetime,
                           range_end: datetime, now: datetime | None = None) -> list[slots.Slot]:
    """Slots of a meeting held by a pool of hosts (each a host's own copy of the meeting type, its
    owner select_related): a union of the hosts' slots (any one host free) or, with `every_host`,
    their intersection (all free). One query per host."""
    now = now or timezone.now()
    per_host = [available_slots(meeting_type=meeting_type, range_start=range_start, range_end=range_end, now=now)
                for meeting_type in meeting_types]
    return slots.intersect_slots(per_host) if every_host else slots.union_slots(per_host)


def free_hosts(*, meeting_types: list[MeetingType], start: datetime, now: datetime | None = None,
               enforce_notice: bool = True) -> list[tuple[MeetingType, slots.Slot]]:
    """The hosts' meeting types (in the order given) whose owner can be booked at exactly `start`."""
    now = now or timezone.now()
    free = []
    for meeting_type in meeting_types:
        slot = bookable_slot(meeting_type=meeting_type, start=start, now=now, enforce_notice=enforce_notice)
        if slot is not None:
            free.append((meeting_type, slot))
    return free


def meeting_rows(booking: Booking) -> list[Booking]:
    """The confirmed rows of the meeting `booking` belongs to (one per host; just itself for a
    meeting with one host), owners joined."""
    if not booking.meeting_type.team_hosted:
        return [booking]
    lead_id = booking.lead_id or booking.pk
    return list(Booking.objects.filter(Q(pk=lead_id) | Q(lead_id=lead_id), status=BookingStatus.CONFIRMED)
                .select_related("meeting_type__owner").order_by("pk"))


def moving_meeting_slot_loader(rows: list[Booking], *, enforce_notice: bool = True):
    """A slot_loader (see scheduling.picker) for moving a meeting with several hosts: the times
    when every host is free, each host's own row left out of their busy times."""
    def load(*, range_start: datetime, range_end: datetime, now: datetime) -> list[slots.Slot]:
        return slots.intersect_slots([
            available_slots(meeting_type=row.meeting_type, range_start=range_start, range_end=range_end, now=now,
                            exclude_booking_id=row.pk, enforce_notice=enforce_notice)
            for row in rows
        ])
    return load
