"""Reads for the client-facing scheduling pages and the owner's Upcoming page: the personal booking
page, the reusable slot picker, a booking by token, and the owner's sessions. Query counts stay
constant whatever the number of rows shown."""
from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import dateformat, timezone

from leadmonk.timezones import timezone_options_html
from scheduling.availability import available_slots
from scheduling.models import Booking, BookingStatus, MeetingType, MeetingTypeState

UTC = dt.UTC
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# What a slot link or form may carry: a date, a time and an explicit zone, nothing else.
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})")
# Years a slot start or a picker date may name. Nothing is bookable outside them, and at the
# edges of Python's calendar (year 1 or 9999) adding a day or a zone offset overflows.
_YEARS = range(1970, 9000)
DAYS_PER_PAGE = 7
# How far past the shown week the picker looks for "the next day with times" (one extra query
# batch, only when the shown week has none).
NEXT_AVAILABLE_LOOKAHEAD_DAYS = 120


# --- The personal booking page ------------------------------------------------------------------


def owner_page_meeting_types(*, owner) -> list[MeetingType]:
    """The active meeting types listed on /<owner-slug>/ (one query)."""
    return list(MeetingType.objects.for_owner(owner).active().order_by("name", "id"))


def get_bookable_meeting_type(*, owner, slug: str) -> MeetingType | None:
    """The active meeting type at /<owner-slug>/<slug>/ with its owner joined, or None (unknown,
    disabled or deleted)."""
    return (
        MeetingType.objects.for_owner(owner)
        .active()
        .filter(slug=slug)
        .select_related("owner")
        .first()
    )


# --- Time values travelling in forms and links ------------------------------------------------


def parse_slot_start(value: str | None) -> dt.datetime | None:
    """An ISO 8601 instant from a form or link ("2026-12-01T14:00:00Z") as an aware UTC datetime,
    or None when it is missing, malformed or has no zone (a naive time means nothing here)."""
    if not value or not isinstance(value, str) or not _ISO_INSTANT.fullmatch(value):
        return None
    text = value
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.year not in _YEARS:
        return None
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def format_slot_start(value: dt.datetime) -> str:
    """The form/link value of a slot start: ISO 8601 in UTC with a Z, to the second."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_picker_date(value: str | None) -> dt.date | None:
    """A YYYY-MM-DD date from a query string, or None when missing or malformed."""
    if not value or not isinstance(value, str) or len(value) != 10:
        return None
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.year in _YEARS else None


def time_label(value: dt.datetime, tz_name: str) -> str:
    """"2:00 PM" in `tz_name`."""
    return dateformat.format(value.astimezone(zoneinfo.ZoneInfo(tz_name)), "g:i A")


def datetime_label(value: dt.datetime, tz_name: str) -> str:
    """"Tuesday, 1 December 2026 at 2:00 PM" in `tz_name`."""
    return dateformat.format(value.astimezone(zoneinfo.ZoneInfo(tz_name)), "l, j F Y \\a\\t g:i A")


# --- The slot picker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PickerDay:
    date: dt.date
    weekday: str  # "Tue"
    label: str  # "1 Dec"
    long_label: str  # "Tuesday, 1 December 2026"
    has_slots: bool
    is_selected: bool
    url: str


@dataclass(frozen=True)
class PickerTime:
    start: dt.datetime  # UTC
    start_iso: str  # the value to send back: "2026-12-01T14:00:00Z"
    label: str  # "2:00 PM" in the viewer's zone
    seats_left: int
    url: str  # the action URL with ?start=… (and the picker's other parameters)


@dataclass(frozen=True)
class SlotPicker:
    meeting_type: MeetingType
    viewer_tz: str
    action_url: str
    params: dict  # what every link and the time-zone form carry besides date/week/start
    days: list[PickerDay]
    times: list[PickerTime]
    selected_date: dt.date | None
    selected_label: str
    week_label: str
    week_start: dt.date
    prev_url: str | None
    next_url: str | None
    next_available: PickerDay | None = None
    hidden_params: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_any_slots(self) -> bool:
        return any(day.has_slots for day in self.days)

    @property
    def is_group(self) -> bool:
        return self.meeting_type.is_group

    @property
    def timezone_options(self) -> str:
        return timezone_options_html(self.viewer_tz)

    @property
    def viewer_tz_label(self) -> str:
        return self.viewer_tz.replace("_", " ")


def _url(action_url: str, params: dict) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{action_url}?{query}" if query else action_url


def _local_midnight(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    # Midnight exists in every zone we list except on a handful of historical days; zoneinfo then
    # gives the instant after the gap, which is what "the start of that day" means.
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(UTC)


def _load_slots(*, meeting_type, range_start, range_end, now, exclude_booking_id, enforce_notice, slot_loader=None):
    if slot_loader is not None:
        return slot_loader(range_start=range_start, range_end=range_end, now=now)
    return available_slots(
        meeting_type=meeting_type,
        range_start=range_start,
        range_end=range_end,
        now=now,
        exclude_booking_id=exclude_booking_id,
        enforce_notice=enforce_notice,
    )


def slot_picker_context(
    *,
    meeting_type: MeetingType,
    viewer_tz: str,
    action_url: str,
    selected_date: dt.date | None = None,
    week_start: dt.date | None = None,
    now: dt.datetime | None = None,
    exclude_booking_id: int | None = None,
    extra_params: dict | None = None,
    enforce_notice: bool = True,
    slot_loader=None,
) -> SlotPicker:
    """Everything templates/scheduling/_slot_picker.html shows: a strip of 7 days in the viewer's
    zone (each with has_slots), the selected day's bookable times, week navigation, and "next
    available day" when the strip has none.

    Links go to `action_url` with ?date=, ?week=, ?start= plus `extra_params` and ?tz= (so the page
    keeps working without JavaScript). `selected_date` / `week_start` come from the query string
    (parse them with `parse_picker_date`; bad values are simply None). `exclude_booking_id` leaves
    a booking being rescheduled out of the busy times; `enforce_notice=False` (the owner acting)
    offers times inside the minimum notice too. `meeting_type.owner` should be select_related.
    `slot_loader(range_start=, range_end=, now=)` replaces the one-owner slot query (a team meeting
    type passes its pooled slots; `meeting_type` then only gives the horizon and the kind).
    One or two calls of
    availability.available_slots, so a constant number of queries.
    """
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(viewer_tz)
    today = now.astimezone(tz).date()
    last_day = (now + dt.timedelta(days=meeting_type.horizon_days)).astimezone(tz).date()
    params = {**(extra_params or {}), "tz": viewer_tz}

    # The strip starts today or a whole number of weeks after it, and never past the horizon.
    anchor = week_start or selected_date or today
    anchor = min(max(anchor, today), last_day)
    strip_start = today + dt.timedelta(days=((anchor - today).days // DAYS_PER_PAGE) * DAYS_PER_PAGE)
    strip_end = strip_start + dt.timedelta(days=DAYS_PER_PAGE)

    slots = _load_slots(
        meeting_type=meeting_type,
        range_start=_local_midnight(strip_start, tz),
        range_end=_local_midnight(strip_end, tz),
        now=now,
        exclude_booking_id=exclude_booking_id,
        enforce_notice=enforce_notice,
        slot_loader=slot_loader,
    )
    by_day: dict[dt.date, list] = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(tz).date(), []).append(slot)

    if selected_date is None or not (strip_start <= selected_date < strip_end):
        selected_date = next((day for day in sorted(by_day)), None)

    def day_entry(day: dt.date, has_slots: bool) -> PickerDay:
        return PickerDay(
            date=day,
            weekday=dateformat.format(day, "D"),
            label=dateformat.format(day, "j M"),
            long_label=dateformat.format(day, "l, j F Y"),
            has_slots=has_slots,
            is_selected=day == selected_date,
            url=_url(action_url, {**params, "date": day.isoformat()}),
        )

    days = [day_entry(strip_start + dt.timedelta(days=i), strip_start + dt.timedelta(days=i) in by_day)
            for i in range(DAYS_PER_PAGE)]

    times: list[PickerTime] = []
    day_slots = by_day.get(selected_date, []) if selected_date else []
    labels = [time_label(slot.start, viewer_tz) for slot in day_slots]
    for slot, label in zip(day_slots, labels, strict=True):
        if labels.count(label) > 1:  # the repeated hour of a fall-back night: say which one
            label = f"{label} {slot.start.astimezone(tz).tzname()}"
        start_iso = format_slot_start(slot.start)
        times.append(PickerTime(
            start=slot.start,
            start_iso=start_iso,
            label=label,
            seats_left=slot.seats_left,
            url=_url(action_url, {**params, "date": selected_date.isoformat(), "start": start_iso}),
        ))

    next_available = None
    if not by_day and strip_end <= last_day:
        later = _load_slots(
            meeting_type=meeting_type,
            range_start=_local_midnight(strip_end, tz),
            range_end=_local_midnight(min(last_day, strip_end + dt.timedelta(days=NEXT_AVAILABLE_LOOKAHEAD_DAYS))
                                      + dt.timedelta(days=1), tz),
            now=now,
            exclude_booking_id=exclude_booking_id,
            enforce_notice=enforce_notice,
            slot_loader=slot_loader,
        )
        if later:
            next_available = day_entry(later[0].start.astimezone(tz).date(), True)

    prev_start = strip_start - dt.timedelta(days=DAYS_PER_PAGE)
    last_shown = strip_end - dt.timedelta(days=1)
    return SlotPicker(
        meeting_type=meeting_type,
        viewer_tz=viewer_tz,
        action_url=action_url,
        params=params,
        days=days,
        times=times,
        selected_date=selected_date,
        selected_label=dateformat.format(selected_date, "l, j F Y") if selected_date else "",
        week_label=f"{dateformat.format(strip_start, 'j M')} – {dateformat.format(last_shown, 'j M Y')}",
        week_start=strip_start,
        prev_url=_url(action_url, {**params, "week": prev_start.isoformat()}) if strip_start > today else None,
        next_url=_url(action_url, {**params, "week": strip_end.isoformat()}) if strip_end <= last_day else None,
        next_available=next_available,
        hidden_params=[(key, str(value)) for key, value in (extra_params or {}).items() if value not in (None, "")],
    )


# --- Bookings by token and for the owner ------------------------------------------------------


def _booking_queryset() -> QuerySet[Booking]:
    return Booking.objects.select_related("meeting_type__owner", "owner", "order_item__order")


def get_booking_by_token(*, token: str) -> Booking | None:
    """The booking behind /bookings/<token>/ with what its page shows joined (one query), or None."""
    # Tokens are URL-safe base64; anything else (a NUL byte breaks PostgreSQL) is simply unknown.
    if not token or not _TOKEN.fullmatch(token):
        return None
    return _booking_queryset().filter(token=token).first()


def get_booking_for_owner(*, owner, pk: int) -> Booking | None:
    """One of `owner`'s bookings with its meeting type and order joined, or None (someone else's)."""
    return _booking_queryset().filter(owner=owner, pk=pk).first()


def booking_change_refusal(*, booking: Booking, now: dt.datetime | None = None, by_owner: bool = False) -> str:
    """Why this booking can no longer be rescheduled or cancelled ("" when it can). Clients are
    held to the meeting type's minimum notice; the owner only to "not past, not cancelled"."""
    now = now or timezone.now()
    if booking.status == BookingStatus.CANCELLED:
        return "This booking was cancelled."
    if booking.start <= now:
        return "This session has already started or is in the past, so it can no longer be changed."
    if not by_owner and booking.start - now < booking.meeting_type.min_notice_delta:
        return (
            "This session starts too soon to be changed online "
            f"(changes need at least {_notice_label(booking.meeting_type.min_notice_minutes)} notice). "
            "Please contact the host."
        )
    return ""


def _notice_label(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class DayGroup:
    date: dt.date
    label: str
    bookings: list[Booking]


def owner_upcoming_bookings(*, owner, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """Confirmed sessions that have not ended yet, soonest first (one query per page)."""
    now = now or timezone.now()
    return _booking_queryset().filter(owner=owner, status=BookingStatus.CONFIRMED, end__gt=now).order_by("start", "id")


def owner_past_bookings(*, owner, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """Sessions that have ended (confirmed or cancelled), latest first."""
    now = now or timezone.now()
    return _booking_queryset().filter(owner=owner, end__lte=now).order_by("-start", "-id")


def owner_cancelled_upcoming_bookings(*, owner, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """Cancelled sessions that would not have ended yet, soonest first."""
    now = now or timezone.now()
    return _booking_queryset().filter(owner=owner, status=BookingStatus.CANCELLED, end__gt=now).order_by("start", "id")


def group_by_day(bookings, tz_name: str) -> list[DayGroup]:
    """Bookings (already sorted) grouped by their date in `tz_name`, in the order given."""
    tz = zoneinfo.ZoneInfo(tz_name)
    groups: list[DayGroup] = []
    for booking in bookings:
        day = booking.start.astimezone(tz).date()
        if not groups or groups[-1].date != day:
            groups.append(DayGroup(date=day, label=dateformat.format(day, "l, j F Y"), bookings=[]))
        groups[-1].bookings.append(booking)
    return groups


def meeting_type_is_live(meeting_type: MeetingType) -> bool:
    return meeting_type.state == MeetingTypeState.ACTIVE
