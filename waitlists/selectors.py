"""Reads of waitlists: the full sessions a client can wait for, and the lines the owner sees."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet

from scheduling.models import Booking, BookingStatus, MeetingType
from waitlists.models import OPEN_STATUSES, WaitlistEntry


def full_sessions(*, meeting_type: MeetingType, now: datetime) -> list[datetime]:
    """The starts of the upcoming sessions of a group `meeting_type` whose seats are all taken,
    within its booking horizon, soonest first (one query). Not those inside its minimum notice: a
    freed seat of theirs could no longer be claimed (services.last_claim_moment)."""
    if not meeting_type.is_group:
        return []
    rows = (Booking.objects.filter(meeting_type=meeting_type, start__gt=now + meeting_type.min_notice_delta,
                                   start__lte=now + timedelta(days=meeting_type.horizon_days),
                                   status__in=[BookingStatus.CONFIRMED, BookingStatus.HELD])
            .values("start").annotate(taken=Count("pk")).filter(taken__gte=meeting_type.seats).order_by("start"))
    return [row["start"] for row in rows]


@dataclass
class Line:
    """The open waitlist of one session: its meeting type, start and entries in order."""

    meeting_type: MeetingType
    start: datetime
    entries: list[WaitlistEntry]


def open_entries_for_owner(*, owner, now: datetime) -> QuerySet[WaitlistEntry]:
    return (WaitlistEntry.objects.filter(meeting_type__owner=owner, status__in=OPEN_STATUSES, start__gt=now)
            .select_related("meeting_type", "order_item__order").order_by("start", "meeting_type_id", "position"))


def lines_for_owner(*, owner, now: datetime) -> list[Line]:
    """Every upcoming session of `owner` with people waiting, soonest first (one query)."""
    lines: list[Line] = []
    for entry in open_entries_for_owner(owner=owner, now=now):
        if not lines or (lines[-1].meeting_type.pk, lines[-1].start) != (entry.meeting_type_id, entry.start):
            lines.append(Line(meeting_type=entry.meeting_type, start=entry.start, entries=[]))
        lines[-1].entries.append(entry)
    return lines


def entry_for_owner(*, owner, pk: int) -> WaitlistEntry | None:
    return WaitlistEntry.objects.select_related("meeting_type").filter(meeting_type__owner=owner, pk=pk).first()


def line_of_booking(booking: Booking) -> list[WaitlistEntry]:
    """Who waits for the session of `booking` (the owner's page of a booking)."""
    return list(WaitlistEntry.objects.filter(meeting_type_id=booking.meeting_type_id, start=booking.start,
                                             status__in=OPEN_STATUSES).order_by("position", "id"))
