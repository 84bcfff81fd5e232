"""Reads for the owner's scheduling setup pages: meeting types, weekly hours, upcoming overrides.
Each function is one query, whatever the amount of data."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from accounts.models import User
from scheduling.models import DateOverride, MeetingType, WeeklyInterval


def meeting_types_for_owner(*, owner: User) -> list[MeetingType]:
    """The owner's meeting types that are not deleted, by name."""
    return list(MeetingType.objects.for_owner(owner).visible().order_by("name", "id"))


def meeting_type_for_owner(*, owner: User, pk: int) -> MeetingType:
    """One live meeting type of the owner, or 404 (other owners' and deleted types alike)."""
    return get_object_or_404(MeetingType.objects.for_owner(owner).visible(), pk=pk)


def weekly_hours_for_owner(*, owner: User) -> dict[int, list[tuple[dt.time, dt.time]]]:
    """{weekday 0=Mon: [(start, end), ...]} for all seven days, sorted by start."""
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {weekday: [] for weekday in range(7)}
    for interval in WeeklyInterval.objects.filter(owner=owner).order_by("weekday", "start_time"):
        hours[interval.weekday].append((interval.start_time, interval.end_time))
    return hours


@dataclass
class OverrideDay:
    """One date's override: closed, or the listed hours. `pk` is a row id used in its URLs."""

    date: dt.date
    pk: int
    intervals: list[tuple[dt.time, dt.time]] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return not self.intervals


def upcoming_overrides_for_owner(*, owner: User, today: dt.date) -> list[OverrideDay]:
    """Overrides on `today` or later, one entry per date."""
    days: dict[dt.date, OverrideDay] = {}
    rows = DateOverride.objects.filter(owner=owner, date__gte=today).order_by("date", "start_time", "id")
    for row in rows:
        day = days.setdefault(row.date, OverrideDay(date=row.date, pk=row.pk))
        if row.start_time is not None and row.end_time is not None:
            day.intervals.append((row.start_time, row.end_time))
    return list(days.values())


def override_for_owner(*, owner: User, pk: int) -> DateOverride:
    """One override row of the owner, or 404."""
    return get_object_or_404(DateOverride, owner=owner, pk=pk)


def meeting_type_slug_taken(*, owner: User, slug: str, exclude_pk: int | None = None) -> bool:
    """Whether a live meeting type of the owner (other than `exclude_pk`) uses `slug`."""
    qs = MeetingType.objects.for_owner(owner).visible().filter(slug=slug)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()
