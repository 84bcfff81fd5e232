"""Celery tasks: they take ids and call a service. The beat schedule lives in settings."""
import logging
from datetime import datetime

from celery import shared_task

from notifications.delivery import MESSAGE_MAX_ATTEMPTS, MessageSendError, message_deliver, stale_message_ids
from notifications.dispatch import reminders_dispatch_due

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.tasks.deliver_message",
    autoretry_for=(MessageSendError,),
    retry_backoff=30,  # 30 s, 60 s, 120 s... with jitter
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=MESSAGE_MAX_ATTEMPTS,
)
def deliver_message(message_id: int) -> bool:
    return message_deliver(message_id=message_id)


def messages_requeue_stale(*, now: datetime | None = None, limit: int = 100) -> int:
    """Queue again the transactional messages still pending long after they were written (their
    task was lost: broker down at commit, worker gone). Returns how many were found."""
    ids = stale_message_ids(now=now, limit=limit)
    for message_id in ids:
        try:
            deliver_message.delay(message_id)
        except Exception:  # the broker is still down; the next sweep tries again
            logger.exception("Could not queue message %s", message_id)
            break
    return len(ids)


@shared_task(name="notifications.tasks.dispatch_due_reminders")
def dispatch_due_reminders() -> dict:
    """Run every minute by beat: send the reminders that are due, then re-queue lost messages."""
    result = reminders_dispatch_due()
    requeued = messages_requeue_stale()
    return {**result.__dict__, "requeued": requeued}
