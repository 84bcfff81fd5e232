"""The time picker every booking page shares: a month of days in the viewer's zone (days with
free times stand out), the chosen day's times, month navigation, and the zone and clock it shows
them in. One or two batches of the slot engine's queries, whatever the month or the data."""
from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils import dateformat, timezone

from leadmonk.languages import date_formats
from leadmonk.timezones import timezone_datalist_html, zone_label
from scheduling.availability import available_slots
from scheduling.models import MeetingType
from scheduling.selectors import format_slot_start, time_label

UTC = dt.UTC
# Where a day link lands without JavaScript: the times, not the top of the page (a phone would
# otherwise scroll back to the header after every tap).
TIMES_ANCHOR = "picker-times"
def weekday_names() -> list[tuple[str, str]]:
    """("Mon", "Monday") … in the active language (a page's, at render time)."""
    return [(dateformat.format(dt.date(2024, 1, day), "D"), dateformat.format(dt.date(2024, 1, day), "l"))
            for day in range(1, 8)]  # 1 January 2024 was a Monday


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    number: int
    long_label: str  # "Tuesday, 1 December 2026"
    has_slots: bool
    slot_count: int
    is_selected: bool
    is_today: bool
    url: str

    @property
    def iso(self) -> str:
        return self.date.isoformat()


@dataclass(frozen=True)
class ChosenTime:
    """A time the viewer has chosen already, while putting several sessions together: no time
    overlapping it is offered, and when `marked` (a time of the meeting type the picker shows) it
    is shown, marked as chosen, instead of offered again."""

    start: dt.datetime
    end: dt.datetime
    marked: bool = True


def overlapping_chosen(start: dt.datetime, end: dt.datetime, chosen) -> ChosenTime | None:
    """The first of `chosen` that [start, end) overlaps, or None."""
    return next((each for each in chosen if each.start < end and start < each.end), None)


@dataclass(frozen=True)
class PickerTime:
    start: dt.datetime  # UTC
    start_iso: str  # the value to send back: "2026-12-01T14:00:00Z"
    label: str  # "2:00 PM" or "14:00" in the viewer's zone
    seats_left: int
    url: str  # the page with ?start=… (and the picker's other parameters)
    chosen: bool = False  # chosen already (see ChosenTime): shown marked, not a link


@dataclass(frozen=True)
class MonthPicker:
    meeting_type: MeetingType
    viewer_tz: str
    clock: str
    action_url: str
    month: dt.date  # its first day
    weeks: list[list[CalendarDay | None]]  # Monday first; None outside the month
    times: list[PickerTime]
    selected_date: dt.date | None
    prev_url: str | None
    next_url: str | None
    next_available: CalendarDay | None = None
    hidden_params: list[tuple[str, str]] = field(default_factory=list)
    tz_error: str = ""
    typed_tz: str = ""
    clock_urls: dict[str, str] = field(default_factory=dict)
    selected_start_iso: str = ""

    @property
    def weekdays(self) -> list[tuple[str, str]]:
        return weekday_names()

    @property
    def month_label(self) -> str:
        return dateformat.format(self.month, "F Y")

    @property
    def month_value(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def selected_label(self) -> str:
        return dateformat.format(self.selected_date, date_formats()["long_date"]) if self.selected_date else ""

    @property
    def has_any_slots(self) -> bool:
        return any(day and day.has_slots for week in self.weeks for day in week)

    @property
    def is_group(self) -> bool:
        return self.meeting_type.is_group

    @property
    def viewer_tz_label(self) -> str:
        return zone_label(self.viewer_tz)

    @property
    def timezone_datalist(self) -> str:
        return timezone_datalist_html()


def _url(action_url: str, params: dict, anchor: str = "") -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return (f"{action_url}?{query}" if query else action_url) + (f"#{anchor}" if anchor else "")


def _local_midnight(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    # Midnight exists in every zone we list except on a handful of historical days; zoneinfo then
    # gives the instant after the gap, which is what "the start of that day" means.
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(UTC)


def _month_end(month: dt.date) -> dt.date:
    """The first day of the next month."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_picker(
    *,
    meeting_type: MeetingType,
    viewer_tz: str,
    action_url: str,
    clock: str = "12",
    month: dt.date | None = None,
    selected_date: dt.date | None = None,
    open_on: dt.date | None = None,
    now: dt.datetime | None = None,
    exclude_booking_id: int | None = None,
    hide_start: dt.datetime | None = None,
    enforce_notice: bool = True,
    extra_params: dict | None = None,
    selected_start: dt.datetime | None = None,
    slot_loader=None,
    duration: dt.timedelta | None = None,
    chosen: tuple[ChosenTime, ...] = (),
) -> MonthPicker:
    """Everything templates/scheduling/_slot_picker.html shows.

    The month shown: the month of `selected_date` (?date=), else `month` (?month=), else the month
    of `open_on` (a booking being moved opens on its own day), else the first month with a free
    time. The selected day: `selected_date`, else `open_on`, else the month's first free day.
    Links carry ?date= / ?month= / ?start= plus `extra_params` and ?tz=, so the page works without
    JavaScript. `exclude_booking_id` leaves a booking being moved out of the busy times and
    `hide_start` (its current start) is not offered; `enforce_notice=False` (the owner acting)
    offers times inside the minimum notice; `duration` replaces the meeting type's length (a
    session of an order is offered at the length sold). `meeting_type.owner` should be select_related.
    `slot_loader(range_start=, range_end=, now=)` replaces the one-owner slot query (a team meeting
    passes its hosts' pooled slots; `meeting_type` then gives only the horizon and the kind).
    `chosen` (ChosenTime) are times chosen already: the times overlapping them are not offered,
    and a marked one is shown as chosen.

    Queries: one call of availability.available_slots for the month, and one more only when the
    month has no free time (to open the first month that has one, or to name the next free day).
    """
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(viewer_tz)
    today = now.astimezone(tz).date()
    last_day = (now + dt.timedelta(days=meeting_type.horizon_days)).astimezone(tz).date()
    params = {**(extra_params or {}), "tz": viewer_tz}
    first_month, last_month = today.replace(day=1), last_day.replace(day=1)

    if open_on is not None and not (today <= open_on <= last_day):
        open_on = None
    chosen_month = (selected_date or month or open_on)
    automatic = chosen_month is None
    shown = min(max((chosen_month or today).replace(day=1), first_month), last_month)

    def load(first: dt.date, end: dt.date) -> list:
        range_start = _local_midnight(max(first, today), tz)
        range_end = _local_midnight(min(end, last_day + dt.timedelta(days=1)), tz)
        if slot_loader is not None:
            return slot_loader(range_start=range_start, range_end=range_end, now=now)
        return available_slots(
            meeting_type=meeting_type,
            range_start=range_start,
            range_end=range_end,
            now=now,
            exclude_booking_id=exclude_booking_id,
            enforce_notice=enforce_notice,
            duration=duration,
        )

    marked = {each.start for each in chosen if each.marked}

    def shown_slot(slot) -> bool:
        if hide_start is not None and slot.start == hide_start:
            return False
        return slot.start in marked or overlapping_chosen(slot.start, slot.end, chosen) is None

    def by_day(slots: list, month_start: dt.date) -> dict[dt.date, list]:
        days: dict[dt.date, list] = {}
        month_end = _month_end(month_start)
        for slot in slots:
            if not shown_slot(slot):
                continue
            day = slot.start.astimezone(tz).date()
            if month_start <= day < month_end:
                days.setdefault(day, []).append(slot)
        return days

    slots_by_day = by_day(load(shown, _month_end(shown)), shown)
    later_first_day: dt.date | None = None
    if not slots_by_day and _month_end(shown) <= last_day:
        later = [slot for slot in load(_month_end(shown), last_day + dt.timedelta(days=1)) if shown_slot(slot)]
        if later:
            later_first_day = later[0].start.astimezone(tz).date()
            if automatic:  # open the first month with a free time
                shown = later_first_day.replace(day=1)
                slots_by_day = by_day(later, shown)

    if selected_date is None or selected_date.replace(day=1) != shown:
        selected_date = open_on if open_on and open_on.replace(day=1) == shown else None
    if selected_date is None:
        selected_date = min(slots_by_day) if slots_by_day else None

    def day_entry(day: dt.date) -> CalendarDay:
        count = len(slots_by_day.get(day, ()))
        return CalendarDay(
            date=day,
            number=day.day,
            long_label=dateformat.format(day, date_formats()["long_date"]),
            has_slots=count > 0,
            slot_count=count,
            is_selected=day == selected_date,
            is_today=day == today,
            url=_url(action_url, {**params, "date": day.isoformat()}, TIMES_ANCHOR),
        )

    weeks = [[day_entry(day) if day.month == shown.month else None for day in week]
             for week in calendar.Calendar(firstweekday=0).monthdatescalendar(shown.year, shown.month)]

    times: list[PickerTime] = []
    day_slots = slots_by_day.get(selected_date, []) if selected_date else []
    labels = [time_label(slot.start, viewer_tz, clock) for slot in day_slots]
    for slot, label in zip(day_slots, labels, strict=True):
        if labels.count(label) > 1:  # the repeated hour of a fall-back night: say which one
            label = f"{label} {slot.start.astimezone(tz).tzname()}"
        start_iso = format_slot_start(slot.start)
        times.append(PickerTime(
            start=slot.start, start_iso=start_iso, label=label, seats_left=slot.seats_left,
            url=_url(action_url, {**params, "date": selected_date.isoformat(), "start": start_iso}),
            chosen=slot.start in marked,
        ))

    next_available = None
    if later_first_day is not None and later_first_day.replace(day=1) != shown:
        next_available = CalendarDay(
            date=later_first_day, number=later_first_day.day,
            long_label=dateformat.format(later_first_day, date_formats()["long_date"]), has_slots=True, slot_count=0,
            is_selected=False, is_today=False,
            url=_url(action_url, {**params, "date": later_first_day.isoformat()}, TIMES_ANCHOR),
        )

    prev_month = (shown - dt.timedelta(days=1)).replace(day=1)
    next_month = _month_end(shown)
    place = {"date": selected_date.isoformat()} if selected_date else {"month": shown.strftime("%Y-%m")}
    return MonthPicker(
        meeting_type=meeting_type,
        viewer_tz=viewer_tz,
        clock=clock,
        action_url=action_url,
        month=shown,
        weeks=weeks,
        times=times,
        selected_date=selected_date,
        prev_url=_url(action_url, {**params, "month": f"{prev_month:%Y-%m}"}) if shown > first_month else None,
        next_url=_url(action_url, {**params, "month": f"{next_month:%Y-%m}"}) if next_month <= last_day else None,
        next_available=next_available,
        hidden_params=[(key, str(value)) for key, value in {**(extra_params or {}), **place}.items()
                       if value not in (None, "")],
        clock_urls={value: _url(action_url, {**params, **place, "clock": value}) for value in ("12", "24")},
        selected_start_iso=format_slot_start(selected_start) if selected_start else "",
    )
