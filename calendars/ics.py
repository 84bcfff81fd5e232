"""From iCalendar text (an ICS feed, or the events of a CalDAV calendar) to the owner's busy
intervals: recurring events expanded with recurring-ical-events (exceptions by RECURRENCE-ID,
EXDATE, cancelled occurrences honoured), time zones from the file's VTIMEZONE, free events
(TRANSP:TRANSPARENT) and cancelled ones left out, all-day events busy only when the owner says so.
An event that cannot be read is skipped and counted, never the whole calendar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar.timezone import tzp

from scheduling.availability import LONGEST_EXTERNAL_PIECE


class NotACalendar(Exception):
    """The text is not an iCalendar file (an HTML page, a login form, garbage)."""


@dataclass
class Reading:
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    events: int = 0
    skipped: int = 0


def parse(data: bytes | list[bytes]) -> list[icalendar.Calendar]:
    """The calendars in `data` (one file, or one per CalDAV object); NotACalendar when one is not."""
    calendars = []
    for text in data if isinstance(data, list) else [data]:
        if b"BEGIN:VCALENDAR" not in text[:4096].upper():
            raise NotACalendar("The address answered with something that is not a calendar (no BEGIN:VCALENDAR).")
        try:
            parsed = icalendar.Calendar.from_ical(text, multiple=True)
        except (ValueError, IndexError, KeyError, TypeError) as error:
            raise NotACalendar("The calendar file could not be read.") from error
        calendars.extend(component for component in parsed if component.name == "VCALENDAR")
    if not calendars:
        raise NotACalendar("The address answered with something that is not a calendar.")
    return calendars


def _is_broken(event) -> bool:
    """Whether an event lacks what expanding it needs, or holds values that cannot be read."""
    if getattr(event, "errors", None):
        return True
    try:
        start = event.decoded("DTSTART")
        if not isinstance(start, date):
            return True
        if "DTEND" in event:
            end = event.decoded("DTEND")
            if not isinstance(end, date) or type(end) is not type(start) or end < start:
                return True
        if "DURATION" in event and not isinstance(event.decoded("DURATION"), timedelta):
            return True
        for rule in _rules(event):
            # UNTIL is left out (icalendar has read its value already): calendar apps write it in
            # forms dateutil refuses beside this DTSTART (a local time without Z, UTC for a floating
            # series, a date for a timed one), and the expansion reads those (_until_as_meant).
            rule = icalendar.vRecur(rule)
            rule.pop("UNTIL", None)
            rrulestr(rule.to_ical().decode(), dtstart=start if isinstance(start, datetime)
                     else datetime.combine(start, time()))
    except Exception:  # noqa: BLE001 - any value icalendar or dateutil cannot take is a broken event
        return True
    return False


def busy_intervals(calendars: list[icalendar.Calendar], *, zone: ZoneInfo, window_start: datetime,
                   window_end: datetime, all_day_busy: bool, ignore_uids: frozenset[str] = frozenset(),
                   owner_addresses: frozenset[str] = frozenset()) -> Reading:
    """The busy times of `calendars` that overlap the window, merged, clipped to it and cut into
    pieces of at most LONGEST_EXTERNAL_PIECE (what scheduling.ExternalBusy stores). Events whose
    UID is in `ignore_uids` (the bookings we wrote there ourselves) are not read back, nor
    invitations the owner declined (their ATTENDEE at one of `owner_addresses`, or at the address a
    calendar is named after, as Google names one, says PARTSTAT=DECLINED)."""
    reading = Reading()
    raw: list[tuple[datetime, datetime]] = []
    for calendar in calendars:
        addresses = owner_addresses | _address_named(calendar)
        for event in list(calendar.walk("VEVENT")):
            if _is_broken(event):
                reading.skipped += 1
                calendar.subcomponents.remove(event)
            else:
                reading.events += 1
                _until_as_meant(event)
        _zone_by_its_iana_name(calendar)
        lengths, overrides = _given_lengths(calendar)
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(window_start, window_end)
        for occurrence in occurrences:
            if str(occurrence.get("UID", "")) in ignore_uids:
                continue
            if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
                continue
            if str(occurrence.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
                continue
            if _declined(occurrence, addresses):
                continue
            start, end = occurrence.decoded("DTSTART"), _end_of(occurrence, lengths, overrides)
            if not isinstance(start, datetime):
                if not all_day_busy:
                    continue
                start, end = _local_midnight(start, zone), _local_midnight(end, zone)
            else:
                start, end = _aware(start, zone), _aware(end, zone)
            start, end = max(start, window_start), min(end, window_end)
            if start < end:
                raw.append((start, end))
    reading.intervals = _pieces(_merged(raw))
    return reading


def _zone_by_its_iana_name(calendar) -> None:
    """The calendar's own zone (X-WR-TIMEZONE, which recurring_ical_events applies to the times
    written in UTC) by its IANA name: Outlook writes the Windows one ("W. Europe Standard Time"),
    which the expansion cannot look up and raised on. A name no one knows is dropped: the times
    are read as they are written."""
    name = calendar.get("X-WR-TIMEZONE")
    if name is None:
        return
    zone = tzp.timezone(str(name))
    if getattr(zone, "key", None):
        calendar["X-WR-TIMEZONE"] = icalendar.vText(zone.key)
    else:
        calendar.pop("X-WR-TIMEZONE")


def _address_named(calendar) -> frozenset[str]:
    """The address a calendar is named after (Google names a person's calendar by their address)."""
    name = str(calendar.get("X-WR-CALNAME", "")).strip().lower()
    return frozenset({name}) if "@" in name and " " not in name else frozenset()


def _declined(occurrence, addresses: frozenset[str]) -> bool:
    """Whether the owner declined the invitation: the calendar keeps it, but they are not going."""
    attendees = occurrence.get("ATTENDEE")
    if attendees is None:
        return False
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = str(attendee).strip().lower().removeprefix("mailto:")
        partstat = str(getattr(attendee, "params", {}).get("PARTSTAT", "")).upper()
        if address in addresses and partstat == "DECLINED":
            return True
    return False


def _rules(event) -> list:
    rules = event.get("RRULE")
    return [rule for rule in (rules if isinstance(rules, list) else [rules]) if rule is not None]


def _until_as_meant(event) -> None:
    """A series starting at a time in a zone whose UNTIL has no zone (Outlook, Lotus) ends at that
    time in the series' zone, and one whose UNTIL is a date ends with that day: rewritten as the
    UTC instant RFC 5545 asks for. recurring_ical_events reads both as UTC and loses the last
    occurrence (10:00 in New York is after 10:00 UTC)."""
    start = event.decoded("DTSTART")
    if not isinstance(start, datetime) or start.tzinfo is None:
        return
    for rule in _rules(event):
        until = rule.get("UNTIL") or [None]
        if isinstance(until[0], datetime):
            if until[0].tzinfo is None:
                rule["UNTIL"] = [until[0].replace(tzinfo=start.tzinfo).astimezone(UTC)]
        elif isinstance(until[0], date):
            rule["UNTIL"] = [datetime.combine(until[0], time.max.replace(microsecond=0),
                                              tzinfo=start.tzinfo).astimezone(UTC)]


def _given_lengths(calendar) -> tuple[dict, set]:
    """The events given by their length (DURATION, no DTEND), by (UID, RECURRENCE-ID or None), and
    the (UID, RECURRENCE-ID) of every moved occurrence. recurring_ical_events writes each
    occurrence's DTEND as DTSTART plus the DURATION by the clock, an hour off across a clock change
    (RFC 5545 3.3.6: hours are exact, days follow the calendar): _end_of works it out again."""
    lengths, overrides = {}, set()
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        moved = event.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in event else None
        if moved is not None:
            overrides.add((uid, moved))
        if "DURATION" in event and "DTEND" not in event:
            lengths[(uid, moved)] = event.decoded("DURATION")
    return lengths, overrides


def _end_of(occurrence, lengths: dict, overrides: set):
    start = occurrence.decoded("DTSTART")
    uid = str(occurrence.get("UID", ""))
    moved = occurrence.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in occurrence else None
    length = lengths.get((uid, moved) if (uid, moved) in overrides else (uid, None))
    if length is not None and isinstance(start, datetime) and start.tzinfo is not None:
        # Days by the clock of the event's zone, then hours, minutes and seconds of real time.
        by_the_clock = (start + timedelta(days=length.days)).astimezone(UTC)
        return by_the_clock + timedelta(seconds=length.seconds, microseconds=length.microseconds)
    if "DTEND" in occurrence:
        return occurrence.decoded("DTEND")
    if "DURATION" in occurrence:
        return start + occurrence.decoded("DURATION")
    # RFC 5545 3.6.1: no end and no duration is a day for a date, an instant for a date-time.
    return start + timedelta(days=1) if not isinstance(start, datetime) else start


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    """UTC; a floating time (no zone in the file) is taken in the owner's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _pieces(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    pieces = []
    for start, end in intervals:
        while end - start > LONGEST_EXTERNAL_PIECE:
            pieces.append((start, start + LONGEST_EXTERNAL_PIECE))
            start += LONGEST_EXTERNAL_PIECE
        pieces.append((start, end))
    return pieces
