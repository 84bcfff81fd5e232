"""Calendar work for Celery: refreshing busy times (every 5 minutes, scheduled in
settings.CELERY_BEAT_SCHEDULE, and at once when a calendar is added or "Refresh now" is pressed),
and sending the writes of the outbox."""
from celery import shared_task
from django.db import transaction

from calendars.delivery import calendars_with_due_writes, writes_deliver
from calendars.models import CalendarConnection
from calendars.services import connection_refresh


@shared_task(name="calendars.tasks.refresh_calendar")
def refresh_calendar(connection_id: int) -> bool:
    return connection_refresh(connection_id=connection_id)


@shared_task(name="calendars.tasks.refresh_all_calendars")
def refresh_all_calendars() -> int:
    """One task per connection, so a slow server holds up only its own."""
    ids = list(CalendarConnection.objects.values_list("pk", flat=True))
    for connection_id in ids:
        refresh_calendar.delay(connection_id)
    return len(ids)


@shared_task(name="calendars.tasks.deliver_calendar_writes")
def deliver_calendar_writes(calendar_id: int) -> int:
    return writes_deliver(calendar_id=calendar_id)


@shared_task(name="calendars.tasks.deliver_all_calendar_writes")
def deliver_all_calendar_writes() -> int:
    ids = calendars_with_due_writes()
    for calendar_id in ids:
        deliver_calendar_writes.delay(calendar_id)
    return len(ids)


def queue_refresh(connection_id: int) -> None:
    """Refresh the connection as soon as the current transaction commits. A broker that is down
    then does not turn what was saved into an error page: the 5-minute refresh reads it."""
    transaction.on_commit(lambda: refresh_calendar.delay(connection_id), robust=True)
