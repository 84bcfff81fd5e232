"""Reads for the client-facing scheduling pages and the owner's Upcoming page: the personal booking
page, time values in links and forms, a booking by token, and the owner's sessions. Query counts stay
constant whatever the number of rows shown."""
from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import dateformat, timezone

from accounts.models import User
from leadmonk.languages import translatable as _
from leadmonk.timezones import clock_formats, time_format
from leadmonk.tokens import looks_like_token
from scheduling.models import Booking, BookingStatus, MeetingType
from scheduling.rules import notice_label

UTC = dt.UTC
# What a slot link or form may carry: a date, a time and an explicit zone, nothing else.
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})")
# Years a slot start or a picker date may name. Nothing is bookable outside them, and at the
# edges of Python's calendar (year 1 or 9999) adding a day or a zone offset overflows.
_YEARS = range(1970, 9000)


# --- The client's own sessions (the client portal, /my/) ---------------------------------------


def direct_bookings_of_client(*, email: str) -> QuerySet[Booking]:
    """The sessions this client email booked directly (not from an order), with any owner, soonest
    first, meeting type and owner joined (1 query). The lead booking of a meeting with several
    hosts only (the one whose link the client holds); a paid session still awaiting payment is
    left out until it is paid. `email` is normalised by the caller (orders.clients)."""
    return (
        Booking.objects.filter(client_email__iexact=email, order_item__isnull=True, lead__isnull=True)
        .exclude(status=BookingStatus.HELD)
        .select_related("owner", "meeting_type")
        .order_by("start", "id")
    )


# --- The personal booking page ------------------------------------------------------------------


def owner_page_meeting_types(*, owner) -> list[MeetingType]:
    """The active Public meeting types listed on /<owner-slug>/ (one query), but for paid ones the
    owner's plan no longer sells (MeetingType.paid_plan_lapsed)."""
    meeting_types = list(MeetingType.objects.for_owner(owner).active().listed().order_by("name", "id"))
    for meeting_type in meeting_types:
        meeting_type.owner = owner  # read by paid_plan_lapsed and the page: no query each
    return [meeting_type for meeting_type in meeting_types if not meeting_type.paid_plan_lapsed]


def get_bookable_meeting_type(*, owner, slug: str) -> MeetingType | None:
    """The active meeting type at /<owner-slug>/<slug>/ with `owner` as its owner, or None (unknown,
    disabled or deleted). The page has just read the owner: joining the row again cost a third of
    the cached month picker's CPU (compiling and decoding the owner's columns a second time)."""
    meeting_type = MeetingType.objects.for_owner(owner).active().filter(slug=slug).first()
    if meeting_type is not None:
        meeting_type.owner = owner
    return meeting_type


def get_meeting_type_by_secret(*, owner, token: str) -> MeetingType | None:
    """The active meeting type of `owner` whose secret link holds `token`, or None (as above)."""
    if not looks_like_token(token):
        return None
    meeting_type = MeetingType.objects.for_owner(owner).active().filter(secret_token=token).first()
    if meeting_type is not None:
        meeting_type.owner = owner
    return meeting_type


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


def time_label(value: dt.datetime, tz_name: str, clock: str = "12") -> str:
    """"2:00 PM" (clock "12") or "14:00" (clock "24") in `tz_name`."""
    return dateformat.format(value.astimezone(zoneinfo.ZoneInfo(tz_name)), time_format(clock))


def datetime_label(value: dt.datetime, tz_name: str, clock: str = "12") -> str:
    """"Tuesday, 1 December 2026 at 2:00 PM" (or "at 14:00") in `tz_name`. A time the clock shows
    twice (the repeated hour of a fall-back night) says which, as the picker does: "1:30 AM EST"."""
    local = value.astimezone(zoneinfo.ZoneInfo(tz_name))
    label = dateformat.format(local, clock_formats(clock)["long_datetime"])
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        label = f"{label} {local.tzname()}"
    return label


def parse_picker_month(value: str | None) -> dt.date | None:
    """A YYYY-MM month from a query string as its first day, or None when missing or malformed."""
    if not value or not isinstance(value, str) or len(value) != 7:
        return None
    return parse_picker_date(f"{value}-01")


# --- Bookings by token and for the owner ------------------------------------------------------


def _booking_queryset() -> QuerySet[Booking]:
    return Booking.objects.select_related("meeting_type__owner", "owner", "order_item__order")


def get_booking_by_token(*, token: str) -> Booking | None:
    """The booking behind /bookings/<token>/ with what its page shows joined (one query), or None."""
    # Tokens are URL-safe base64; anything else (a NUL byte breaks PostgreSQL) is simply unknown.
    if not looks_like_token(token):
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
        return _("This booking was cancelled.")
    if booking.start <= now:
        return _("This session has already started or is in the past, so it can no longer be changed.")
    if not by_owner and booking.start - now < booking.meeting_type.min_notice_delta:
        return _("This session starts too soon to be changed online (changes need at least %(notice)s notice). "
                 "Please contact the host.") % {"notice": notice_label(booking.meeting_type.min_notice_minutes)}
    return ""


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


def bookings_for_export(*, owner, start, end) -> QuerySet[Booking]:
    """The owner's sessions starting in [start, end), any status, with their meeting type and order
    (one query, so the CSV export streams them with .iterator())."""
    return (
        Booking.objects.filter(owner=owner, start__gte=start, start__lt=end)
        .select_related("meeting_type", "order_item__order")
        .order_by("start", "id")
    )


# --- The owner's calendar feed ------------------------------------------------------------------

# What /calendar/<token>.ics lists: confirmed sessions from this far back to this far ahead.
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=365)


def calendar_feed(*, token: str, now: dt.datetime) -> tuple[User, list[Booking]] | None:
    """(the owner, their confirmed sessions in the feed's window, by start) for a feed token, or
    None for an unknown one. Two queries whatever the number of sessions."""
    if not looks_like_token(token):
        return None
    owner = User.objects.filter(calendar_feed_token=token, is_active=True).first()
    if owner is None:
        return None
    bookings = list(
        Booking.objects.filter(owner=owner, status=BookingStatus.CONFIRMED,
                               start__gte=now - FEED_PAST, start__lt=now + FEED_AHEAD)
        .select_related("meeting_type", "order_item")
        .order_by("start", "pk")
    )
    for booking in bookings:
        # The owner is the feed's: spare each row a join of it.
        booking.meeting_type.owner = owner
    return owner, bookings
