"""The API's periodic work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from api.idempotency import forget_expired


@shared_task(name="api.tasks.forget_idempotency_keys")
def forget_idempotency_keys() -> int:
    return forget_expired()
