"""The slot engine: which meeting start times an owner can be booked at.

Pure functions over plain values (no Django, no database), so the rules below are proven by fast
unit and property tests and the callers only load data and save bookings.

Semantics
---------
Time. Every instant the engine returns is an aware ``datetime`` in ``datetime.timezone.utc``.
Inputs may be aware datetimes in any zone; naive datetimes are refused with ``ValueError``.

Availability. ``WeeklyAvailability`` holds wall-clock intervals in the owner's zone. For each
owner-local date the hours are ``overrides[date]`` when the date is present (an empty sequence
means closed), else ``weekly[date.weekday()]`` (a missing weekday means closed). An ``Interval``
whose ``end`` is ``time(0, 0)`` ends at midnight at the *end* of its day, so ``Interval(time(0),
time(0))`` is the whole day and ``Interval(time(22), time(0))`` is 22:00-24:00. Overlapping
intervals are allowed; a start offered by two of them appears once.

Candidate starts. For each interval the candidates are the wall times ``interval.start + k *
step`` (k = 0, 1, ...) before ``interval.end``, on that date in the owner's zone. Each wall time
is turned into instants with zoneinfo:

* a wall time that does not exist (spring-forward gap) is skipped;
* an ambiguous wall time (fall-back) yields its first occurrence (fold=0) and also its second
  (fold=1) when that one still fits in the interval.

The meeting ``[start, start + duration)`` is measured in absolute time and must end no later than
the interval's end instant, or, when other intervals of that date touch or overlap it (09:00-12:00
and 12:00-17:00), the end instant of the run of hours they make together: the owner is free
throughout, so 11:30-12:30 is offered. A run that lasts to midnight goes on into the next date's run
that starts at 00:00 (Monday 22:00-24:00 and Tuesday 00:00-02:00 offer an hour at 23:30 on Monday),
and on again while each next run lasts to its midnight; the next date's hours are its override when
it has one (an override that closes it ends the run at midnight). An ambiguous interval end is
taken at its *later* occurrence (so the repeated hour belongs to the hours that cover it), unless
the clock goes back exactly at that wall time, so that no hour of the interval repeats (01:00 on New
York's fall-back night; midnight in America/Havana, whose clock goes back from 01:00 to 00:00): the
hours then end at its *first* occurrence, before the repeat. An end that falls in a gap is the
instant of the transition (the moment the clock jumps past it; Havana's spring-forward night has
no midnight, so a day's hours to 24:00 end at the jump).

Notice and horizon. A start is offered only when ``now + min_notice <= start <= now + horizon``,
both spans added in absolute (UTC) time, not on the wall clock.
The returned slots are those with ``range_start <= start < range_end``, sorted, without
duplicates.

Buffers ("max" semantics). A candidate conflicts with an existing booking ``b`` when the
candidate padded with its own buffers, ``[start - rules.buffer_before, end +
rules.buffer_after)``, overlaps the meeting ``[b.start, b.end)``, or when ``b`` padded with its
buffers, ``[b.start - b.buffer_before, b.end + b.buffer_after)``, overlaps the meeting ``[start,
end)``. Buffers may overlap each other; a meeting may never sit inside another meeting's buffer.
Intervals are half-open, so meetings that only touch (buffers included) do not conflict.

Group sessions. A booking of the same meeting type with exactly the candidate's start and end is
a seat of that very session: it does not conflict, it uses ``b.seats`` seats. ``seats_left =
capacity - seats taken`` and the slot is offered while ``seats_left > 0``. With capacity 1 this
makes a same-type, same-time booking hide the slot like any conflict. Any other overlapping
booking (another meeting type, or the same type at another time) conflicts.

Rescheduling. Leave the booking being moved out of ``busy``; its old time then counts as free.

Several calendars (team meetings). Each host's slots are computed with that host's own hours,
busy times and buffers; ``union_slots`` offers a start when at least one host has it (round
robin: someone can take it), ``intersect_slots`` only when every host has it (collective: all of
them meet the client). Either way ``seats_left`` is how many hosts are free at that start.

Loading bookings. ``busy_window`` gives the one UTC window of bookings a caller must load (a
single query) for ``compute_slots`` over a range to be exact.

Cost. Busy entries are filtered and sorted once per call and swept alongside the sorted
candidates, so a call costs O((candidates + busy) log busy), not candidates x busy. Days
without a UTC-offset change (all but a couple a year) convert wall times with plain arithmetic;
only transition days take the slower zoneinfo round trip. Zones with two transitions that cancel
out inside one local day are treated as having none (no current zone does this).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from zoneinfo import ZoneInfo

__all__ = [
    "Busy",
    "Interval",
    "Slot",
    "SlotRules",
    "WeeklyAvailability",
    "busy_window",
    "compute_slots",
    "find_slot",
    "intersect_slots",
    "union_slots",
]

UTC = dt.UTC
_MIDNIGHT = dt.time(0, 0)
_ONE_DAY = dt.timedelta(days=1)
# Later than any instant the engine meets.
_NEVER = dt.datetime.max.replace(tzinfo=UTC)
_ZERO = dt.timedelta(0)
# The smallest datetime step: turns the inclusive horizon bound into an exclusive one.
_TICK = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Interval:
    """Wall-clock opening hours in the owner's zone; ``end == time(0, 0)`` means end of day."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Interval times are wall-clock times and must be naive.")
        if self.end != _MIDNIGHT and self.end <= self.start:
            raise ValueError("Interval end must be after its start (use time(0, 0) for midnight).")

    @property
    def ends_at_midnight(self) -> bool:
        return self.end == _MIDNIGHT

    def wall_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The naive wall-clock start and end of this interval on ``day``."""
        start = dt.datetime.combine(day, self.start)
        if self.ends_at_midnight:
            end = dt.datetime.combine(day + _ONE_DAY, _MIDNIGHT)
        else:
            end = dt.datetime.combine(day, self.end)
        return start, end


@dataclass(frozen=True)
class WeeklyAvailability:
    """The owner's weekly hours (weekday 0 = Monday) plus per-date overrides, in ``tz``."""

    tz: ZoneInfo
    weekly: Mapping[int, Sequence[Interval]]
    overrides: Mapping[dt.date, Sequence[Interval]]
    # run_ends_on's and morning_run_end's answers by override date or weekday: worked out once per
    # weekday, not per date.
    _runs: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _mornings: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def intervals_on(self, day: dt.date) -> Sequence[Interval]:
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())

    def run_ends_on(self, day: dt.date) -> Mapping[Interval, dt.time] | None:
        """The intervals of ``day`` that touch or overlap another one and end before the run of
        hours they make together, with that run's end (time(0, 0): midnight); None when none."""
        key = day if day in self.overrides else day.weekday()
        if key not in self._runs:
            self._runs[key] = _joined_ends(self.intervals_on(day))
        return self._runs[key]

    def morning_run_end(self, day: dt.date) -> dt.time | None:
        """The end of the run of hours that starts at 00:00 on ``day`` (time(0, 0): it lasts to
        midnight), or None when no hours of ``day`` start at 00:00."""
        key = day if day in self.overrides else day.weekday()
        if key not in self._mornings:
            intervals = self.intervals_on(day)
            first = next((interval for interval in intervals if interval.start == _MIDNIGHT), None)
            if first is not None:
                run_ends = self.run_ends_on(day) if len(intervals) > 1 else None
                self._mornings[key] = run_ends.get(first, first.end) if run_ends else first.end
            else:
                self._mornings[key] = None
        return self._mornings[key]

    def run_end_after_midnight(self, day: dt.date, reach: dt.timedelta) -> dt.datetime:
        """The naive wall end of a run of hours that lasts to the midnight closing ``day``: that
        midnight, or later when the next day's hours start at 00:00 (and so on, while each next
        day's run lasts to its midnight too), followed until ``reach`` past that midnight."""
        end = dt.datetime.combine(day + _ONE_DAY, _MIDNIGHT)
        # A day of margin: the wall clock and real time part by at most an hour or two (a clock change).
        limit = end + reach + _ONE_DAY
        while end < limit:
            morning_end = self.morning_run_end(end.date())
            if morning_end is None:
                break
            if morning_end != _MIDNIGHT:
                return dt.datetime.combine(end.date(), morning_end)
            end += _ONE_DAY
        return end


@dataclass(frozen=True)
class Busy:
    """An existing confirmed booking of the owner (any meeting type); times are kept in UTC."""

    start: dt.datetime
    end: dt.datetime
    buffer_before: dt.timedelta
    buffer_after: dt.timedelta
    meeting_type_id: int
    seats: int = 1

    def __post_init__(self) -> None:
        # Normalised once here so the engine compares UTC datetimes only (the fast path in C). Rows
        # read from the database are in UTC already: they skip the check and the rewrite, which cost
        # a third of building a month's ~300 busy times (docs/performance.md, issue 27).
        if self.start.tzinfo is not UTC:
            object.__setattr__(self, "start", _as_utc(self.start, "Busy.start"))
        if self.end.tzinfo is not UTC:
            object.__setattr__(self, "end", _as_utc(self.end, "Busy.end"))
        if self.end < self.start:
            raise ValueError("Busy.end must not be before Busy.start.")
        if self.buffer_before < _ZERO or self.buffer_after < _ZERO:
            raise ValueError("Busy buffers must not be negative.")


@dataclass(frozen=True)
class SlotRules:
    """What a meeting type asks of a slot."""

    meeting_type_id: int
    duration: dt.timedelta
    buffer_before: dt.timedelta
    buffer_after: dt.timedelta
    min_notice: dt.timedelta
    horizon: dt.timedelta
    step: dt.timedelta
    capacity: int = 1

    def __post_init__(self) -> None:
        if self.duration <= _ZERO:
            raise ValueError("duration must be positive.")
        if self.step <= _ZERO:
            raise ValueError("step must be positive.")
        if self.buffer_before < _ZERO or self.buffer_after < _ZERO:
            raise ValueError("buffers must not be negative.")
        if self.min_notice < _ZERO or self.horizon < _ZERO:
            raise ValueError("min_notice and horizon must not be negative.")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1.")


@dataclass(frozen=True)
class Slot:
    """A bookable start: ``[start, end)`` in UTC and the seats still free in it."""

    start: dt.datetime
    end: dt.datetime
    seats_left: int


def compute_slots(
    *,
    rules: SlotRules,
    availability: WeeklyAvailability,
    busy: Sequence[Busy],
    now: dt.datetime,
    range_start: dt.datetime,
    range_end: dt.datetime,
) -> list[Slot]:
    """Every bookable slot whose start lies in ``[range_start, range_end)``, sorted, in UTC."""
    now = _as_utc(now, "now")
    range_start = _as_utc(range_start, "range_start")
    range_end = _as_utc(range_end, "range_end")
    earliest = max(range_start, now + rules.min_notice)
    stop = min(range_end, now + rules.horizon + _TICK)  # exclusive
    if earliest >= stop:
        return []
    starts = _candidate_starts(rules, availability, earliest, stop)
    if not starts:
        return []
    return _drop_conflicts(rules, starts, busy)


def find_slot(
    *,
    rules: SlotRules,
    availability: WeeklyAvailability,
    busy: Sequence[Busy],
    now: dt.datetime,
    start: dt.datetime,
) -> Slot | None:
    """The slot that starts exactly at `start` (aware), or None when that time is not bookable."""
    start = _as_utc(start, "start")
    # A one-microsecond range: only ``start``'s own local day is generated, and on ordinary days
    # the grid jumps straight to it, so this is cheap whatever the step.
    slots = compute_slots(
        rules=rules,
        availability=availability,
        busy=busy,
        now=now,
        range_start=start,
        range_end=start + _TICK,
    )
    for slot in slots:
        if slot.start == start:
            return slot
    return None


def union_slots(per_calendar: Sequence[Sequence[Slot]]) -> list[Slot]:
    """Starts free in at least one calendar, sorted; ``seats_left`` counts the calendars free then."""
    return _combine(per_calendar, needed=1)


def intersect_slots(per_calendar: Sequence[Sequence[Slot]]) -> list[Slot]:
    """Starts free in every calendar, sorted (none when there are no calendars)."""
    return _combine(per_calendar, needed=len(per_calendar)) if per_calendar else []


def _combine(per_calendar: Sequence[Sequence[Slot]], *, needed: int) -> list[Slot]:
    free: dict[tuple[dt.datetime, dt.datetime], int] = {}
    for calendar in per_calendar:
        for slot in {(slot.start, slot.end) for slot in calendar}:
            free[slot] = free.get(slot, 0) + 1
    return [Slot(start, end, count) for (start, end), count in sorted(free.items()) if count >= needed]


def busy_window(
    *,
    range_start: dt.datetime,
    range_end: dt.datetime,
    max_duration: dt.timedelta,
    max_buffer: dt.timedelta,
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC window of existing bookings a caller must load to compute slots in
    [range_start, range_end) — so the caller loads bookings in ONE query.

    Load the bookings with ``start < window_end`` and ``end > window_start``. ``max_duration`` is
    the duration of the meeting type being offered; ``max_buffer`` the largest buffer (before or
    after) of any of the owner's meeting types, the offered one included. A booking outside this
    window cannot conflict with a slot starting in the range: a conflict needs ``b.start <
    slot.end + buffer`` and ``b.end > slot.start - buffer``.
    """
    range_start = _as_utc(range_start, "range_start")
    range_end = _as_utc(range_end, "range_end")
    return range_start - max_buffer, range_end + max_duration + max_buffer


# --- Candidate generation -----------------------------------------------------------------------


def _candidate_starts(
    rules: SlotRules,
    availability: WeeklyAvailability,
    earliest: dt.datetime,
    stop: dt.datetime,
) -> list[dt.datetime]:
    """Sorted, unique UTC starts in ``[earliest, stop)`` that fit the owner's hours."""
    tz = availability.tz
    duration = rules.duration
    step = rules.step
    starts: list[dt.datetime] = []
    # A start's local date is the date whose wall clock it reads, so these dates cover the range.
    day = earliest.astimezone(tz).date()
    last_day = stop.astimezone(tz).date()
    while day <= last_day:
        intervals = availability.intervals_on(day)
        if intervals:
            offset = _fixed_offset(day, tz)
            run_ends = availability.run_ends_on(day) if len(intervals) > 1 else None
            for interval in intervals:
                wall_start, wall_end = interval.wall_bounds(day)
                run_end = run_ends.get(interval, interval.end) if run_ends else interval.end
                if run_end == _MIDNIGHT:
                    # The run lasts to midnight: it goes on into the next day's hours that start at 00:00.
                    fit_end = availability.run_end_after_midnight(day, duration)
                else:
                    fit_end = dt.datetime.combine(day, run_end)
                if offset is not None:
                    # The day's offset holds up to its closing midnight; an end past it is converted
                    # in the zone it falls in.
                    last_end = ((fit_end - offset).replace(tzinfo=UTC) if fit_end.date() == day
                                or fit_end == dt.datetime.combine(day + _ONE_DAY, _MIDNIGHT)
                                else _wall_end_instant(fit_end, tz))
                    _fixed_offset_starts(starts, wall_start, wall_end, fit_end, last_end, offset, step, duration,
                                         earliest, stop)
                else:
                    _transition_day_starts(starts, wall_start, wall_end, fit_end, tz, step, duration, earliest, stop)
        day += _ONE_DAY
    # Overlapping intervals and fold=1 starts can break the order; timsort is ~linear on this.
    starts.sort()
    # Each start unless it equals the one before it (the second list is one longer: not strict): a
    # comprehension, not a loop of appends (a month has ~470 candidates; docs/performance.md, issue 27).
    return [start for start, previous in zip(starts, [None, *starts], strict=False) if start != previous]


def _joined_ends(intervals: Sequence[Interval]) -> dict[Interval, dt.time] | None:
    """See WeeklyAvailability.run_ends_on."""
    if len(intervals) < 2:
        return None
    day = 24 * 3600
    spans = sorted((_second_of(interval.start), day if interval.ends_at_midnight else _second_of(interval.end),
                    interval) for interval in intervals)
    ends: dict[Interval, dt.time] = {}
    run: list[tuple[int, Interval]] = []
    run_end = -1
    for start, end, interval in [*spans, (day + 1, 0, None)]:  # a sentinel closes the last run
        if start > run_end and run:
            for own_end, member in run:
                if own_end < run_end:
                    hours, rest = divmod(run_end % day, 3600)
                    ends[member] = dt.time(hours, *divmod(rest, 60))
            run = []
        run_end = max(run_end, end) if run else end
        run.append((end, interval))
    return ends or None


def _second_of(value: dt.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _fixed_offset_starts(
    out: list[dt.datetime],
    wall_start: dt.datetime,
    wall_end: dt.datetime,
    fit_end: dt.datetime,
    last_end: dt.datetime,
    offset: dt.timedelta,
    step: dt.timedelta,
    duration: dt.timedelta,
    earliest: dt.datetime,
    stop: dt.datetime,
) -> None:
    """Starts of one interval on a day with one UTC offset: plain arithmetic, grid jump to ``earliest``.
    A start lies before ``wall_end`` and its meeting ends by ``last_end``, the instant of
    ``fit_end`` (its run's end)."""
    first = (wall_start - offset).replace(tzinfo=UTC)
    start = first
    if earliest > first:
        # Ceil division keeps the start on the interval's grid.
        start = first + -((first - earliest) // step) * step
    latest_start = min(stop, last_end - duration + _TICK)  # exclusive
    if fit_end != wall_end:
        latest_start = min(latest_start, (wall_end - offset).replace(tzinfo=UTC))
    while start < latest_start:
        out.append(start)
        start += step


def _transition_day_starts(
    out: list[dt.datetime],
    wall_start: dt.datetime,
    wall_end: dt.datetime,
    fit_end: dt.datetime,
    tz: dt.tzinfo,
    step: dt.timedelta,
    duration: dt.timedelta,
    earliest: dt.datetime,
    stop: dt.datetime,
) -> None:
    """Starts of one interval on a day whose UTC offset changes: every wall time via zoneinfo."""
    end = _wall_end_instant(fit_end, tz)
    wall = wall_start
    while wall < wall_end:
        for start in _wall_instants(wall, tz):
            if earliest <= start < stop and start + duration <= end:
                out.append(start)
        wall += step


@functools.lru_cache(maxsize=4096)
def _fixed_offset(day: dt.date, tz: dt.tzinfo) -> dt.timedelta | None:
    """The UTC offset in force all through ``day`` (and at its closing midnight), else None.

    Cached: a pure function of the zone's rules, and the pages ask for the same days again and
    again (a month is 30 look-ups of five zoneinfo conversions each; docs/performance.md, issue 27).
    """
    midnight = dt.datetime.combine(day, _MIDNIGHT, tzinfo=tz)
    offset = midnight.utcoffset()
    if offset is None:
        raise ValueError("The availability zone gives no UTC offset.")
    first = (midnight.replace(tzinfo=None) - offset).replace(tzinfo=UTC)
    last = first + _ONE_DAY
    if first.astimezone(tz).utcoffset() == offset and last.astimezone(tz).utcoffset() == offset:
        return offset
    return None


def _wall_instants(wall: dt.datetime, tz: dt.tzinfo) -> list[dt.datetime]:
    """The UTC instants whose local wall time is ``wall``: none (gap), one, or two (fold)."""
    instants = []
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        instants.append(first)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if second != first and second.astimezone(tz).replace(tzinfo=None) == wall:
        instants.append(second)
    return instants


def _wall_end_instant(wall: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The instant an interval ending at wall time ``wall`` ends (see the module docstring)."""
    instants = _wall_instants(wall, tz)
    if len(instants) == 2 and len(_wall_instants(wall - _TICK, tz)) < 2:
        # The clock goes back exactly at ``wall``: the hours before it do not repeat, and end at the
        # first ``wall``. This is also what a day of one offset gives for its closing midnight (see
        # _fixed_offset_starts), which Havana's fall-back night doubles.
        return instants[0]
    if instants:
        return instants[-1]
    # In a gap: fold=1 reads the wall time with the offset after the jump and lands before the
    # transition, fold=0 after it. Bisect (to the second; offsets are whole seconds) for the
    # first instant whose local wall time is at or past ``wall``: the transition itself.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if low > high:
        low, high = high, low
    one_second = dt.timedelta(seconds=1)
    while high - low > one_second:
        middle = low + ((high - low) // 2 // one_second) * one_second
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high


# --- Conflicts ----------------------------------------------------------------------------------


def _drop_conflicts(rules: SlotRules, starts: list[dt.datetime], busy: Sequence[Busy]) -> list[Slot]:
    """Sweep the sorted starts and the busy entries sorted by padded start, in one pass each."""
    duration = rules.duration
    own_before = rules.buffer_before
    own_after = rules.buffer_after
    meeting_type_id = rules.meeting_type_id
    capacity = rules.capacity

    # Only bookings whose padded span can reach a candidate's padded span matter. A comprehension
    # rather than a loop of appends: a month reads ~300 busy times (docs/performance.md, issue 27).
    window_low = starts[0] - own_before
    window_high = starts[-1] + duration + own_after
    entries = [
        (padded_start, padded_end, booking.start, booking.end, booking.meeting_type_id == meeting_type_id,
         booking.seats)
        for booking in busy
        if (padded_start := booking.start - booking.buffer_before) < window_high
        and (padded_end := booking.end + booking.buffer_after) > window_low
    ]
    entries.sort(key=itemgetter(0))

    slots = []
    # ``active`` holds the entries with padded_start < reach_end and padded_end > reach_start for
    # the current candidate; both bounds only grow, so each entry enters and leaves once.
    # ``lowest_end`` is the earliest padded end in ``active``: one comparison says whether any
    # entry has fallen behind, instead of a look at each entry for every candidate.
    active: list[tuple] = []
    lowest_end = _NEVER
    next_entry = 0
    entry_count = len(entries)
    for start in starts:
        end = start + duration
        reach_start = start - own_before
        reach_end = end + own_after
        while next_entry < entry_count and entries[next_entry][0] < reach_end:
            entry = entries[next_entry]
            active.append(entry)
            if entry[1] < lowest_end:
                lowest_end = entry[1]
            next_entry += 1
        seats_left = capacity
        if active:
            if lowest_end <= reach_start:
                active = [entry for entry in active if entry[1] > reach_start]
                lowest_end = min([entry[1] for entry in active], default=_NEVER)
            conflict = False
            for padded_start, padded_end, busy_start, busy_end, same_type, seats in active:
                if same_type and busy_start == start and busy_end == end:
                    seats_left -= seats  # a seat of this very group session
                elif (busy_start < reach_end and busy_end > reach_start) or (padded_start < end and padded_end > start):
                    conflict = True
                    break
            if conflict or seats_left <= 0:
                continue
        slots.append(Slot(start, end, seats_left))
    return slots


def _as_utc(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime.")
    if value.tzinfo is UTC:
        return value
    return value.astimezone(UTC)
