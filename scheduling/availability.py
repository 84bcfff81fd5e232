"""Loads what the slot engine needs from the database: one query per call, whatever the data.

`available_slots` answers "which times can this meeting type be booked at in this range?" for
pages; `bookable_slot` answers "is this exact time bookable right now?" for the booking services,
which call it after taking the owner's lock so the answer cannot go stale before the insert.
"""
import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from leadmonk import prepared as statements
from leadmonk import raw_rows
from scheduling import slots
from scheduling.models import (
    MAX_MEETING_MINUTES,
    Booking,
    BookingStatus,
    DateOverride,
    ExternalBusy,
    MeetingType,
    WeeklyInterval,
)

# Buffers are capped at 4 hours by the meeting type form; a day of margin is safely larger, and
# lets the busy query run without first asking for the owner's largest buffer.
BUSY_MARGIN = timedelta(days=1)
# No booking lasts longer than this (MAX_MEETING_MINUTES, which the forms enforce). It bounds the index
# range of the busy query from below: without it, "end > window start" matches nothing in the
# (owner, status, start) index and PostgreSQL walks every past booking of the owner.
LONGEST_MEETING = timedelta(minutes=MAX_MEETING_MINUTES)
# The calendars app stores a longer external busy time as pieces of at most this length, so the
# same bound serves the (owner, start) index of ExternalBusy.
LONGEST_EXTERNAL_PIECE = LONGEST_MEETING
# External busy times belong to no meeting type: an id no meeting type has, so the engine never
# counts one as a seat of the slot it checks.
EXTERNAL_MEETING_TYPE_ID = 0
_NO_BUFFER = timedelta(0)


def load_engine_inputs(*, owner, first_day: date, last_day: date, window_start: datetime, window_end: datetime,
                       exclude_booking_id: int | None = None, now: datetime | None = None,
                       prepared: bool = False) -> tuple[slots.WeeklyAvailability, list[slots.Busy]]:
    """The owner's weekly hours, their overrides between two owner-local dates, their busy bookings
    (any meeting type) and their external busy times (their other calendars, see ExternalBusy) that
    overlap [window_start, window_end): one query. A busy booking is confirmed, or held for a client
    who is paying and whose hold has not run out at `now` (scheduling.holds).

    One hand-written SELECT (leadmonk.raw_rows) rather than three ORM queries: building and
    compiling the three querysets cost more than the database's work, and each round trip waits
    for a core on a busy machine (docs/performance.md). The bookings part uses the (owner, status,
    start) index, bounded on both sides. scheduling/tests/test_engine_inputs.py checks what it reads
    on SQLite and PostgreSQL.

    `prepared` runs it as a prepared statement (leadmonk.prepared), for the windows of one time
    (`bookable_slot`, a booking's check): planning it took longer than running it, and the generic
    plan PostgreSQL keeps for a window of two days (a nested loop over its few bookings) suits them
    all. A month's window (the pages) is planned each time: on the bench's data that same generic
    plan took longer than planning and running a custom one (docs/performance.md, issue 32).
    """
    prep_date = DateOverride._meta.get_field("date").get_db_prep_value
    prep_datetime = Booking._meta.get_field("start").get_db_prep_value
    params = [
        owner.pk,
        owner.pk, prep_date(first_day, connection), prep_date(last_day, connection),
        owner.pk, prep_datetime(window_start - LONGEST_EXTERNAL_PIECE, connection),
        prep_datetime(window_end, connection), prep_datetime(window_start, connection),
        owner.pk, BookingStatus.CONFIRMED.value, BookingStatus.HELD.value,
        prep_datetime(now or timezone.now(), connection),
        prep_datetime(window_start - LONGEST_MEETING, connection),
        prep_datetime(window_end, connection), prep_datetime(window_start, connection),
    ]
    sql = _inputs_sql()
    if exclude_booking_id is not None:
        sql += f" AND b.{raw_rows.column(Booking, 'id')} <> %s"
        params.append(exclude_booking_id)
    with connection.cursor() as cursor:
        if prepared:
            statements.execute(cursor, sql, params)
        else:
            cursor.execute(sql, params)
        rows = raw_rows.values(cursor.fetchall(), _inputs_fields())

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
        elif kind == _EXTERNAL:
            # Like a booking of no meeting type, without buffers of its own: the candidate's own
            # buffers still keep their distance from it.
            busy.append(slots.Busy(start, end, _NO_BUFFER, _NO_BUFFER, EXTERNAL_MEETING_TYPE_ID))
        elif kind == _WEEKLY:
            weekly.setdefault(weekday, []).append(slots.Interval(start_time, end_time))
        else:
            hours = overrides.setdefault(day, [])  # no hours: closed that day
            if start_time is not None and end_time is not None:
                hours.append(slots.Interval(start_time, end_time))
    availability = slots.WeeklyAvailability(tz=ZoneInfo(owner.timezone), weekly=weekly, overrides=overrides)
    return availability, busy


# What a row of the engine inputs' query holds, in its first column.
_WEEKLY, _OVERRIDE, _BOOKING, _EXTERNAL = 0, 1, 2, 3


@functools.cache
def _inputs_fields() -> tuple:
    """The field each column of `_inputs_sql` holds (None: the row's kind)."""
    weekly, override, booking, meeting_type = (
        model._meta.get_field for model in (WeeklyInterval, DateOverride, Booking, MeetingType))
    return (None, weekly("weekday"), override("date"), weekly("start_time"), weekly("end_time"), booking("start"),
            booking("end"), booking("meeting_type"), meeting_type("buffer_before_minutes"),
            meeting_type("buffer_after_minutes"))


@functools.cache
def _inputs_sql() -> str:
    """Weekly hours, the overrides in a date range, the external busy times and the busy bookings
    in a window, as rows of `_inputs_fields` (the bookings last: a caller may add a condition on
    them at the end). The first SELECT types every column: PostgreSQL resolves a UNION's column
    types pair by pair from the left, and a column that two SELECTs leave NULL would be text."""
    fields = _inputs_fields()
    typed_nulls = [f"CAST(NULL AS {field.db_type(connection)})" for field in fields[1:]]
    col, table = raw_rows.column, raw_rows.table
    return (
        f"SELECT {_WEEKLY}, w.{col(WeeklyInterval, 'weekday')}, {typed_nulls[1]}, "
        f"w.{col(WeeklyInterval, 'start_time')}, w.{col(WeeklyInterval, 'end_time')}, {', '.join(typed_nulls[4:])} "
        f"FROM {table(WeeklyInterval)} w WHERE w.{col(WeeklyInterval, 'owner')} = %s "
        f"UNION ALL SELECT {_OVERRIDE}, NULL, o.{col(DateOverride, 'date')}, o.{col(DateOverride, 'start_time')}, "
        f"o.{col(DateOverride, 'end_time')}, NULL, NULL, NULL, NULL, NULL "
        f"FROM {table(DateOverride)} o WHERE o.{col(DateOverride, 'owner')} = %s "
        f"AND o.{col(DateOverride, 'date')} >= %s AND o.{col(DateOverride, 'date')} <= %s "
        f"UNION ALL SELECT {_EXTERNAL}, NULL, NULL, NULL, NULL, x.{col(ExternalBusy, 'start')}, "
        f"x.{col(ExternalBusy, 'end')}, NULL, NULL, NULL "
        f"FROM {table(ExternalBusy)} x WHERE x.{col(ExternalBusy, 'owner')} = %s "
        f"AND x.{col(ExternalBusy, 'start')} >= %s AND x.{col(ExternalBusy, 'start')} < %s "
        f"AND x.{col(ExternalBusy, 'end')} > %s "
        f"UNION ALL SELECT {_BOOKING}, NULL, NULL, NULL, NULL, b.{col(Booking, 'start')}, b.{col(Booking, 'end')}, "
        f"b.{col(Booking, 'meeting_type')}, m.{col(MeetingType, 'buffer_before_minutes')}, "
        f"m.{col(MeetingType, 'buffer_after_minutes')} "
        f"FROM {table(Booking)} b "
        f"JOIN {table(MeetingType)} m ON m.{col(MeetingType, 'id')} = b.{col(Booking, 'meeting_type')} "
        # A confirmed booking has no hold_expires_at; a hold counts until it runs out.
        f"WHERE b.{col(Booking, 'owner')} = %s AND b.{col(Booking, 'status')} IN (%s, %s) "
        f"AND (b.{col(Booking, 'hold_expires_at')} IS NULL OR b.{col(Booking, 'hold_expires_at')} > %s) "
        f"AND b.{col(Booking, 'start')} >= %s AND b.{col(Booking, 'start')} < %s AND b.{col(Booking, 'end')} > %s"
    )


def rules_for(meeting_type: MeetingType, *, enforce_notice: bool = True,
              duration: timedelta | None = None) -> slots.SlotRules:
    """What `meeting_type` asks of a slot. `duration` (a session of an order: the length sold, or a
    booking being moved: its own length) replaces the meeting type's current length; everything
    else (buffers, notice, horizon, step, seats) is the meeting type's as it is now."""
    return slots.SlotRules(
        meeting_type_id=meeting_type.pk,
        duration=duration or meeting_type.duration,
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
                  exclude_booking_id: int | None = None, duration: timedelta | None = None,
                  now: datetime | None = None,
                  prepared: bool = False) -> tuple[slots.WeeklyAvailability, list[slots.Busy]]:
    """The owner's hours and busy bookings around [range_start, range_end], all the engine needs
    for slots starting in that range: one query (`prepared`: see load_engine_inputs)."""
    owner = meeting_type.owner
    first_day, last_day = _local_days(owner, range_start, range_end)
    return load_engine_inputs(
        owner=owner, first_day=first_day, last_day=last_day,
        window_start=range_start - BUSY_MARGIN,
        window_end=range_end + (duration or meeting_type.duration) + BUSY_MARGIN,
        exclude_booking_id=exclude_booking_id, now=now, prepared=prepared,
    )


def available_slots(*, meeting_type: MeetingType, range_start: datetime, range_end: datetime,
                    now: datetime | None = None, exclude_booking_id: int | None = None,
                    enforce_notice: bool = True, duration: timedelta | None = None) -> list[slots.Slot]:
    """Bookable slots of a meeting type with start in [range_start, range_end), `duration` long
    (default: the meeting type's; see rules_for). One query (weekly hours, overrides and busy
    bookings together); `meeting_type.owner` should be select_related."""
    now = now or timezone.now()
    availability, busy = engine_inputs(meeting_type, range_start, range_end, exclude_booking_id, duration, now)
    return slots.compute_slots(
        rules=rules_for(meeting_type, enforce_notice=enforce_notice, duration=duration),
        availability=availability, busy=busy,
        now=now, range_start=range_start, range_end=range_end,
    )


def bookable_slot(*, meeting_type: MeetingType, start: datetime, now: datetime | None = None,
                  exclude_booking_id: int | None = None, enforce_notice: bool = True,
                  duration: timedelta | None = None) -> slots.Slot | None:
    """The slot starting exactly at `start`, `duration` long (default: the meeting type's), or
    None when that time cannot be booked now."""
    now = now or timezone.now()
    availability, busy = engine_inputs(meeting_type, start, start, exclude_booking_id, duration, now, prepared=True)
    return slots.find_slot(
        rules=rules_for(meeting_type, enforce_notice=enforce_notice, duration=duration),
        availability=availability, busy=busy,
        now=now, start=start,
    )


def bookable_starts(*, meeting_type: MeetingType, starts: list[datetime], now: datetime | None = None,
                    duration: timedelta | None = None) -> set[datetime]:
    """Which of `starts` can be booked now (`duration` long, default the meeting type's): one query
    for all of them, so a page that lists a set of chosen times checks them together rather than
    one query per time."""
    ordered = sorted(set(starts))
    if not ordered:
        return set()
    now = now or timezone.now()
    availability, busy = engine_inputs(meeting_type, ordered[0], ordered[-1], None, duration, now)
    rules = rules_for(meeting_type, duration=duration)
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
    when every host is free, each host's own row left out of their busy times, at the meeting's own
    length (a booking keeps its length when moved)."""
    def load(*, range_start: datetime, range_end: datetime, now: datetime) -> list[slots.Slot]:
        return slots.intersect_slots([
            available_slots(meeting_type=row.meeting_type, range_start=range_start, range_end=range_end, now=now,
                            exclude_booking_id=row.pk, enforce_notice=enforce_notice, duration=row.duration)
            for row in rows
        ])
    return load
