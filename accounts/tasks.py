"""Periodic plan work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from accounts.billing_services import subscriptions_review_due


@shared_task(name="accounts.tasks.review_subscriptions")
def review_subscriptions() -> int:
    """Move owners whose grace period or paid period is over to the plan their subscription gives."""
    return subscriptions_review_due()
