"""Factories for scheduling tests: meeting types and weekly hours. Other apps import these;
keep the signatures stable."""
import itertools
from datetime import time

from django.db import transaction

from scheduling.models import MeetingType, MeetingTypeKind, WeeklyInterval

_counter = itertools.count(1)


def make_meeting_type(owner, **kw) -> MeetingType:
    """A live meeting type of `owner`; any model field can be overridden by keyword.

    Defaults: 1:1, 30 minutes, slot step 30, no buffers, no minimum notice, 60-day horizon.
    `kind="group"` without a capacity gives capacity 5.
    """
    n = next(_counter)
    kw.setdefault("name", f"Meeting {n}")
    kw.setdefault("slug", f"meeting-{n}")
    kw.setdefault("kind", MeetingTypeKind.ONE_ON_ONE)
    if kw["kind"] == MeetingTypeKind.GROUP:
        kw.setdefault("capacity", 5)
    kw.setdefault("duration_minutes", 30)
    kw.setdefault("slot_step_minutes", 30)
    kw.setdefault("min_notice_minutes", 0)
    kw.setdefault("horizon_days", 60)
    return MeetingType.objects.create(owner=owner, **kw)


def set_weekly_hours(owner, hours: dict[int, list[tuple[time, time]]]) -> list[WeeklyInterval]:
    """Replace the owner's weekly hours: {weekday (0 = Monday): [(start, end), ...]}."""
    with transaction.atomic():
        WeeklyInterval.objects.filter(owner=owner).delete()
        return WeeklyInterval.objects.bulk_create(
            [
                WeeklyInterval(owner=owner, weekday=weekday, start_time=start, end_time=end)
                for weekday, intervals in sorted(hours.items())
                for start, end in intervals
            ]
        )
