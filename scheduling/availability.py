"""Loads what the slot engine needs from the database, in a constant number of queries.

`available_slots` answers "which times can this meeting type be booked at in this range?" for
pages; `bookable_slot` answers "is this exact time bookable right now?" for the booking services,
which call it after taking the owner's lock so the answer cannot go stale before the insert.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
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


def load_availability(*, owner, first_day: date, last_day: date) -> slots.WeeklyAvailability:
    """Weekly hours and the overrides between two owner-local dates: two queries."""
    weekly: dict[int, list[slots.Interval]] = {}
    for weekday, start, end in WeeklyInterval.objects.filter(owner=owner).values_list(
        "weekday", "start_time", "end_time"
    ):
        weekly.setdefault(weekday, []).append(slots.Interval(start, end))
    overrides: dict[date, list[slots.Interval]] = {}
    for day, start, end in DateOverride.objects.filter(
        owner=owner, date__gte=first_day, date__lte=last_day
    ).values_list("date", "start_time", "end_time"):
        hours = overrides.setdefault(day, [])
        if start is not None and end is not None:
            hours.append(slots.Interval(start, end))
    return slots.WeeklyAvailability(tz=ZoneInfo(owner.timezone), weekly=weekly, overrides=overrides)


def load_busy(*, owner_id: int, window_start: datetime, window_end: datetime,
              exclude_booking_id: int | None = None) -> list[slots.Busy]:
    """The owner's confirmed bookings that overlap a window, across all meeting types: one query.

    Uses the (owner, status, start) index.
    """
    rows = Booking.objects.filter(
        owner_id=owner_id, status=BookingStatus.CONFIRMED,
        start__gte=window_start - LONGEST_MEETING, start__lt=window_end, end__gt=window_start,
    )
    if exclude_booking_id is not None:
        rows = rows.exclude(pk=exclude_booking_id)
    return [
        slots.Busy(
            start=start, end=end,
            buffer_before=timedelta(minutes=before), buffer_after=timedelta(minutes=after),
            meeting_type_id=meeting_type_id,
        )
        for start, end, meeting_type_id, before, after in rows.values_list(
            "start", "end", "meeting_type_id", "meeting_type__buffer_before_minutes",
            "meeting_type__buffer_after_minutes",
        )
    ]


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


def _engine_inputs(meeting_type: MeetingType, range_start: datetime, range_end: datetime,
                   exclude_booking_id: int | None) -> tuple[slots.WeeklyAvailability, list[slots.Busy]]:
    """The owner's hours and busy bookings around [range_start, range_end]: three queries."""
    owner = meeting_type.owner
    first_day, last_day = _local_days(owner, range_start, range_end)
    availability = load_availability(owner=owner, first_day=first_day, last_day=last_day)
    busy = load_busy(
        owner_id=owner.pk,
        window_start=range_start - BUSY_MARGIN,
        window_end=range_end + meeting_type.duration + BUSY_MARGIN,
        exclude_booking_id=exclude_booking_id,
    )
    return availability, busy


def available_slots(*, meeting_type: MeetingType, range_start: datetime, range_end: datetime,
                    now: datetime | None = None, exclude_booking_id: int | None = None,
                    enforce_notice: bool = True) -> list[slots.Slot]:
    """Bookable slots of a meeting type with start in [range_start, range_end). Three queries
    (weekly hours, overrides, busy bookings); `meeting_type.owner` should be select_related."""
    availability, busy = _engine_inputs(meeting_type, range_start, range_end, exclude_booking_id)
    return slots.compute_slots(
        rules=rules_for(meeting_type, enforce_notice=enforce_notice), availability=availability, busy=busy,
        now=now or timezone.now(), range_start=range_start, range_end=range_end,
    )


def bookable_slot(*, meeting_type: MeetingType, start: datetime, now: datetime | None = None,
                  exclude_booking_id: int | None = None, enforce_notice: bool = True) -> slots.Slot | None:
    """The slot starting exactly at `start`, or None when that time cannot be booked now."""
    availability, busy = _engine_inputs(meeting_type, start, start, exclude_booking_id)
    return slots.find_slot(
        rules=rules_for(meeting_type, enforce_notice=enforce_notice), availability=availability, busy=busy,
        now=now or timezone.now(), start=start,
    )


def bookable_starts(*, meeting_type: MeetingType, starts: list[datetime], now: datetime | None = None) -> set[datetime]:
    """Which of `starts` can be booked now: one batch of the three queries for all of them, so a
    page that lists a set of chosen times checks them together rather than one batch per time."""
    ordered = sorted(set(starts))
    if not ordered:
        return set()
    now = now or timezone.now()
    availability, busy = _engine_inputs(meeting_type, ordered[0], ordered[-1], None)
    rules = rules_for(meeting_type)
    return {start for start in ordered
            if slots.find_slot(rules=rules, availability=availability, busy=busy, now=now, start=start) is not None}


def pooled_available_slots(*, meeting_types: list[MeetingType], every_host: bool, range_start: datetime,
                           range_end: datetime, now: datetime | None = None) -> list[slots.Slot]:
    """Slots of a meeting held by a pool of hosts (each a host's own copy of the meeting type, its
    owner select_related): a union of the hosts' slots (any one host free) or, with `every_host`,
    their intersection (all free). Three queries per host."""
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
