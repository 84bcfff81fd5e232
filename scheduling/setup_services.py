"""Writes of the owner's scheduling setup: meeting types, weekly hours and date overrides.

Forms validate input for the user; these functions re-check what the database must never hold
(overlapping hours, a taken slug) and each owns its transaction.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.locks import lock_owner
from accounts.models import User
from leadmonk.content_version import content_changed
from leadmonk.tokens import new_token
from scheduling import signals
from scheduling.calendar import session_video_room
from scheduling.models import (
    EDITABLE_SETTINGS,
    PAID_SESSION_FIELDS,
    Booking,
    BookingStatus,
    DateOverride,
    LocationKind,
    MeetingType,
    MeetingTypeKind,
    MeetingTypeState,
    Visibility,
    WeeklyInterval,
)
from scheduling.setup_selectors import meeting_type_slug_taken

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# The working hours a new owner starts with, so their booking page offers times at once.
DEFAULT_HOURS = (dt.time(9, 0), dt.time(17, 0))
DEFAULT_WORKDAYS = range(5)  # Monday to Friday

# Fields an owner edits on the meeting type form (the shared settings, then a personal type's own);
# anything else (owner, state) is set here.
EDITABLE_FIELDS = (*EDITABLE_SETTINGS, "kind", "capacity", "waitlist_claim_hours", *PAID_SESSION_FIELDS)

# Allowed moves between states. Deleted is final: a deleted type stays only for history.
STATE_TRANSITIONS: dict[str, frozenset[str]] = {
    MeetingTypeState.ACTIVE: frozenset({MeetingTypeState.DISABLED, MeetingTypeState.DELETED}),
    MeetingTypeState.DISABLED: frozenset({MeetingTypeState.ACTIVE, MeetingTypeState.DELETED}),
    MeetingTypeState.DELETED: frozenset(),
}


class SetupError(Exception):
    """A setup change that cannot be made; `.message` is user-facing text."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class SlugTaken(SetupError):
    pass


class IllegalStateChange(SetupError):
    pass


class InvalidHours(SetupError):
    pass


# ---------------------------------------------------------------------------------------------
# Meeting types


def slug_from_name(*, name: str, taken: Callable[[str], bool]) -> str:
    """A link made from `name` that `taken` does not refuse ("intro", "intro-2", ...): what a
    meeting type, personal or team, saved with a blank link gets."""
    base = slugify(name)[:70].strip("-") or "meeting"
    if base == "packages":  # /<owner>/packages/... is the package order page
        base = "packages-meeting"
    candidate, counter = base, 1
    while taken(candidate):
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate


def meeting_type_free_slug(*, owner: User, name: str, exclude_pk: int | None = None) -> str:
    """A slug made from `name` that no live meeting type of the owner uses."""
    return slug_from_name(
        name=name, taken=lambda slug: meeting_type_slug_taken(owner=owner, slug=slug, exclude_pk=exclude_pk)
    )


def _normalised(fields: Mapping) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    values = dict(fields)
    if values.get("kind", MeetingTypeKind.ONE_ON_ONE) != MeetingTypeKind.GROUP:
        values["capacity"] = 1  # a 1:1 meeting has one seat, whatever the form held
    return values


def _save_with_slug(meeting_type: MeetingType) -> MeetingType:
    # The partial unique constraint is the real guard against two live types sharing a slug
    # (two tabs saving at once); turn its violation into a message instead of a server error.
    try:
        with transaction.atomic():
            meeting_type.save()
    except IntegrityError as exc:
        raise SlugTaken("You already have a meeting type with this link. Choose another.", field="slug") from exc
    return meeting_type


@transaction.atomic
def meeting_type_create(*, owner: User, **fields) -> MeetingType:
    """Create an active meeting type; a blank slug is made from the name."""
    values = _normalised(fields)
    if not values.get("slug"):
        values["slug"] = meeting_type_free_slug(owner=owner, name=values.get("name", ""))
    return _save_with_slug(MeetingType(owner=owner, state=MeetingTypeState.ACTIVE, **values))


@transaction.atomic
def meeting_type_update(*, meeting_type: MeetingType, **fields) -> MeetingType:
    """Change the editable fields of a live meeting type (its state is untouched). The apps above
    hear what changed (scheduling.signals.meeting_types_changed; nothing when nothing did)."""
    locked = MeetingType.objects.select_for_update().get(pk=meeting_type.pk)
    if locked.state == MeetingTypeState.DELETED:
        raise IllegalStateChange("This meeting type was deleted and can no longer be edited.")
    values = _normalised(fields)
    if not values.get("slug", locked.slug):
        values["slug"] = meeting_type_free_slug(
            owner=locked.owner, name=values.get("name", locked.name), exclude_pk=locked.pk
        )
    changed = frozenset(name for name, value in values.items() if getattr(locked, name) != value)
    for name, value in values.items():
        setattr(locked, name, value)
    saved = _save_with_slug(locked)
    if saved.location_kind == LocationKind.VIDEO_ROOM:
        upcoming_bookings_give_rooms(meeting_type_ids=[saved.pk])
    if changed:
        signals.meeting_types_changed.send(sender=MeetingType, meeting_type_ids=[saved.pk], fields=changed)
    return saved


def upcoming_bookings_give_rooms(*, meeting_type_ids: list[int]) -> None:
    """Meeting types that now meet in a new video room per booking show each booking its room
    (scheduling.calendar.booking_place): the sessions booked before the switch had none, and their
    pages, reminders and calendar files would say "Video room" with no link to join. A group
    session's clients share one room; a meeting of several hosts (the team's hosts' copies: teams
    calls this after writing them) is one room, the lead booking's, for each host's row."""
    upcoming = (Booking.objects.filter(meeting_type_id__in=meeting_type_ids, video_room_url="",
                                       end__gt=timezone.now(),
                                       status__in=[BookingStatus.CONFIRMED, BookingStatus.HELD])
                .select_related("meeting_type", "lead").order_by(F("lead").asc(nulls_first=True), "pk"))
    given: dict[int, str] = {}
    for booking in upcoming:
        if booking.lead_id is not None:
            room = given.get(booking.lead_id) or booking.lead.video_room_url
        else:
            room = ""
        booking.video_room_url = given[booking.pk] = room or session_video_room(booking.meeting_type, booking.start)
        booking.save(update_fields=["video_room_url", "updated_at"])


@transaction.atomic
def meeting_type_set_state(*, meeting_type: MeetingType, state: str) -> MeetingType:
    """Enable, disable or (softly) delete a meeting type: the one place its state changes."""
    target = MeetingTypeState(state)
    locked = MeetingType.objects.select_for_update().get(pk=meeting_type.pk)
    if locked.state == target:
        return locked
    if target not in STATE_TRANSITIONS[MeetingTypeState(locked.state)]:
        raise IllegalStateChange(
            f"A {locked.get_state_display().lower()} meeting type cannot become {target.label.lower()}."
        )
    locked.state = target
    locked.save(update_fields=["state", "updated_at"])
    return locked


@transaction.atomic
def meeting_type_set_visibility(*, meeting_type: MeetingType, visibility: str) -> MeetingType:
    """Make a live meeting type Public, Secret or Package only (the package editor's one-click
    offer). Bookings already made keep their own rules (scheduling.rules, RESCHEDULE)."""
    target = Visibility(visibility)
    locked = MeetingType.objects.select_for_update().get(pk=meeting_type.pk)
    if locked.state == MeetingTypeState.DELETED:
        raise IllegalStateChange("This meeting type was deleted and can no longer be edited.")
    if locked.visibility != target:
        locked.visibility = target
        locked.save(update_fields=["visibility", "updated_at"])  # the save bumps the owner's pages
    return locked


@transaction.atomic
def meeting_type_regenerate_secret_link(*, meeting_type: MeetingType) -> MeetingType:
    """Give a meeting type a new secret link: the old one stops working at once."""
    locked = MeetingType.objects.select_for_update().get(pk=meeting_type.pk)
    locked.secret_token = new_token()
    locked.save(update_fields=["secret_token", "updated_at"])  # the save bumps the owner's cached pages
    return locked


# ---------------------------------------------------------------------------------------------
# Availability

Hours = Sequence[tuple[dt.time, dt.time]]


def _minutes(value: dt.time, *, is_end: bool) -> int:
    # An end of 00:00 means midnight at the end of the day, as in scheduling/slots.py.
    if is_end and value == dt.time(0, 0):
        return 24 * 60
    return value.hour * 60 + value.minute


def _fmt(value: dt.time) -> str:
    return value.strftime("%H:%M")


def hours_problem(intervals: Hours) -> str | None:
    """Why these intervals of one day cannot be saved (inverted or overlapping), else None."""
    spans = []
    for start, end in intervals:
        if start.second or end.second or start.microsecond or end.microsecond:
            return f"{_fmt(start)}–{_fmt(end)} must be whole minutes."
        start_min, end_min = _minutes(start, is_end=False), _minutes(end, is_end=True)
        if end_min <= start_min:
            return f"{_fmt(start)}–{_fmt(end)} ends before it starts."
        spans.append((start_min, end_min, start, end))
    spans.sort()
    for (_, prev_end, prev_start_t, prev_end_t), (start_min, _, start_t, end_t) in zip(spans, spans[1:], strict=False):
        if start_min < prev_end:
            return f"{_fmt(prev_start_t)}–{_fmt(prev_end_t)} overlaps {_fmt(start_t)}–{_fmt(end_t)}."
    return None


@transaction.atomic
def weekly_hours_replace(*, owner: User, hours: Mapping[int, Hours]) -> list[WeeklyInterval]:
    """Replace all of the owner's weekly intervals with `hours` ({weekday 0=Mon: [(start, end)]}).

    Refuses the whole change (nothing saved) if any day has inverted or overlapping intervals.
    """
    for weekday, intervals in hours.items():
        if weekday not in range(7):
            raise InvalidHours(f"Unknown weekday {weekday}.")
        problem = hours_problem(intervals)
        if problem:
            raise InvalidHours(f"{WEEKDAY_NAMES[weekday]}: {problem}")
    # Serialises concurrent saves of the same owner's hours (two tabs): each replace is whole.
    lock_owner(owner.pk)
    content_changed(owner_id=owner.pk)  # bulk_create sends no post_save
    WeeklyInterval.objects.filter(owner=owner).delete()
    return WeeklyInterval.objects.bulk_create(
        [
            WeeklyInterval(owner=owner, weekday=weekday, start_time=start, end_time=end)
            for weekday in sorted(hours)
            for start, end in sorted(hours[weekday])
        ]
    )


@transaction.atomic
def weekly_hours_set_default(*, owner: User) -> list[WeeklyInterval]:
    """Give an owner without weekly hours Monday to Friday, 09:00–17:00 in their own time zone.

    An owner who already has hours keeps them: this never overwrites a choice they made.
    """
    lock_owner(owner.pk)
    if WeeklyInterval.objects.filter(owner=owner).exists():
        return []
    start, end = DEFAULT_HOURS
    content_changed(owner_id=owner.pk)  # bulk_create sends no post_save
    return WeeklyInterval.objects.bulk_create(
        [WeeklyInterval(owner=owner, weekday=weekday, start_time=start, end_time=end) for weekday in DEFAULT_WORKDAYS]
    )


def owner_today(owner: User, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the owner's time zone (overrides are owner-local dates)."""
    return (now or timezone.now()).astimezone(ZoneInfo(owner.timezone)).date()


# Overrides reach this far ahead ("within the next two years", as the override editor says).
OVERRIDE_DAYS_AHEAD = 2 * 366
OVERRIDE_TOO_FAR = "Choose a date within the next two years."


def override_last_day(today: dt.date) -> dt.date:
    """The last date an override may be for, `today` being the owner's today."""
    return today + dt.timedelta(days=OVERRIDE_DAYS_AHEAD)


def override_range_too_far(last_day: dt.date) -> str:
    return (f"The last date must be within the next two years ({last_day.day} {last_day:%B %Y} "
            f"at the latest).")


@transaction.atomic
def date_override_add(
    *, owner: User, date: dt.date, intervals: Iterable[tuple[dt.time, dt.time]] = (),
    now: dt.datetime | None = None, date_to: dt.date | None = None,
) -> list[DateOverride]:
    """Set the hours of one date, or of every date from `date` to `date_to` (a holiday): no intervals
    closes the days. Replaces those dates' overrides."""
    intervals = list(intervals)
    today = owner_today(owner, now)
    if date < today:
        raise InvalidHours("That date is in the past. Choose today or a later date.", field="date")
    last_allowed = override_last_day(today)
    if date > last_allowed:
        raise InvalidHours(OVERRIDE_TOO_FAR, field="date")
    last = date_to or date
    if last < date:
        raise InvalidHours("The last date must be on or after the first.", field="date_to")
    if last > last_allowed:
        raise InvalidHours(override_range_too_far(last_allowed), field="date_to")
    problem = hours_problem(intervals)
    if problem:
        raise InvalidHours(f"{date:%A} {date.day} {date:%B %Y}: {problem}")
    days = [date + dt.timedelta(days=n) for n in range((last - date).days + 1)]
    lock_owner(owner.pk)
    content_changed(owner_id=owner.pk)  # bulk_create sends no post_save
    DateOverride.objects.filter(owner=owner, date__range=(date, last)).delete()
    return DateOverride.objects.bulk_create(
        [DateOverride(owner=owner, date=day) for day in days] if not intervals else
        [DateOverride(owner=owner, date=day, start_time=start, end_time=end)
         for day in days for start, end in sorted(intervals)]
    )


@transaction.atomic
def date_override_delete(*, owner: User, date: dt.date) -> int:
    """Remove the override of one date (the weekly hours apply again). Returns rows removed."""
    deleted, _ = DateOverride.objects.filter(owner=owner, date=date).delete()
    return deleted
