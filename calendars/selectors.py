"""Reads of the calendars app."""
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from calendars.models import Calendar, CalendarConnection, CalendarWrite, WriteStatus


@dataclass(frozen=True)
class WritesWaiting:
    """Bookings that are not reaching a calendar: the first waiting write has failed (the server
    is down, refuses the password, lost the calendar) and every later one waits behind it."""

    calendar: str
    error: str
    waiting: int
    since: datetime


def connections_for_owner(owner) -> list[CalendarConnection]:
    """The owner's connections, each with its calendars and its `writes_waiting` (WritesWaiting of
    the calendars whose writes fail), so the owner learns that bookings are not in their calendar."""
    connections = list(CalendarConnection.objects.filter(owner=owner).prefetch_related(
        Prefetch("calendars", queryset=Calendar.objects.order_by("name", "id"))))
    pending: dict[int, list[dict]] = {}
    for row in (CalendarWrite.objects.filter(owner=owner, status=WriteStatus.PENDING).order_by("calendar_id", "id")
                .values("calendar_id", "attempts", "last_error", "created_at")):
        pending.setdefault(row["calendar_id"], []).append(row)
    for connection in connections:
        connection.writes_waiting = [
            WritesWaiting(calendar=calendar.name, error=rows[0]["last_error"], waiting=len(rows),
                          since=rows[0]["created_at"])
            for calendar in connection.calendars.all()
            if (rows := pending.get(calendar.pk)) and rows[0]["attempts"] > 0]
    return connections
