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


# A retry handed from deliver_messages waits as deliver_message's first retry would (retry_backoff).
FIRST_RETRY_SECONDS = 30


@shared_task(name="notifications.tasks.deliver_messages")
def deliver_messages(message_ids: list[int]) -> int:
    """The messages one change wrote (a booking's confirmation and the owner's notice), queued as
    one task: one broker message on the request's path instead of one per message. Each is
    delivered here once; one that fails for a while (MessageSendError) goes on as deliver_message
    with its own retries (the row counts its attempts, so it still stops at MESSAGE_MAX_ATTEMPTS),
    and one that raises anything else is left pending for the sweep, as its own task's would be,
    without stopping the others. Returns how many were sent."""
    sent, again = 0, []
    for message_id in message_ids:
        try:
            sent += message_deliver(message_id=message_id)
        except MessageSendError:
            again.append(message_id)
        except Exception:  # noqa: BLE001 - one message's bug must not keep the others from going out
            logger.exception("Delivering message %s failed", message_id)
    for message_id in again:  # after every first try (an eager retry runs here and may raise)
        deliver_message.apply_async((message_id,), countdown=FIRST_RETRY_SECONDS)
    return sent


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
