"""Celery tasks: they take ids and call a service. The beat schedule lives in settings."""
from celery import shared_task

from notifications.dispatch import reminders_dispatch_due
from notifications.services import MESSAGE_MAX_ATTEMPTS, MessageSendError, message_deliver, messages_requeue_stale


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


@shared_task(name="notifications.tasks.dispatch_due_reminders")
def dispatch_due_reminders() -> dict:
    """Run every minute by beat: send the reminders that are due, then re-queue lost messages."""
    result = reminders_dispatch_due()
    requeued = messages_requeue_stale()
    return {**result.__dict__, "requeued": requeued}
