"""The outbox of writes to an owner's "Add bookings to" calendar: rows are written in the
booking's transaction (calendars.receivers) and sent here after it commits, per calendar in id
order. A row is claimed with a conditional update, so two workers never send it at once; a failure
leaves it (and every later row of that calendar) waiting, retried with a growing pause, so a
server that was down gets the changes when it is back, in order. PUT and DELETE of a resource
named after the booking's UID are idempotent: a send repeated after a crash changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from calendars import dav, net, passwords
from calendars.models import CalendarWrite, WriteAction, WriteStatus

CLAIM_FOR = timedelta(minutes=5)
LONGEST_PAUSE = timedelta(minutes=30)


def _pause(attempts: int) -> timedelta:
    return min(timedelta(seconds=30) * (2 ** min(attempts, 10)), LONGEST_PAUSE)


def writes_deliver(*, calendar_id: int, now: datetime | None = None) -> int:
    """Send the calendar's waiting writes in order until one fails or another worker holds one;
    returns how many were sent."""
    sent = 0
    given = now
    while True:
        now = given or timezone.now()
        row = (CalendarWrite.objects.select_related("calendar__connection")
               .filter(calendar_id=calendar_id, status=WriteStatus.PENDING).order_by("id").first())
        if row is None or row.next_attempt_at > now:
            return sent
        claimed = (CalendarWrite.objects.filter(pk=row.pk, status=WriteStatus.PENDING)
                   .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                   .update(claimed_until=now + CLAIM_FOR))
        if not claimed:
            return sent  # another worker is sending it; what follows waits for it
        connection = row.calendar.connection
        try:
            auth = (connection.username, passwords.decrypt(connection.password_encrypted))
            if row.action == WriteAction.PUT:
                dav.put_event(row.calendar.url, auth, uid=row.uid, ics=bytes(row.ics))
            else:
                dav.delete_event(row.calendar.url, auth, uid=row.uid)
        except (net.FetchError, passwords.SecretUnreadable) as error:
            CalendarWrite.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, next_attempt_at=now + _pause(row.attempts), claimed_until=None,
                last_error=str(error))
            return sent
        CalendarWrite.objects.filter(pk=row.pk).update(status=WriteStatus.SENT, sent_at=now, claimed_until=None,
                                                      attempts=row.attempts + 1, last_error="")
        sent += 1


def calendars_with_due_writes(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    # A write whose calendar was removed waits without one until the calendar is connected again.
    return list(CalendarWrite.objects.filter(status=WriteStatus.PENDING, next_attempt_at__lte=now,
                                             calendar__isnull=False)
                .values_list("calendar_id", flat=True).distinct())
