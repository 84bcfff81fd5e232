"""Periodic order work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from orders.credits import orders_expire_due


@shared_task(name="orders.tasks.expire_credits")
def expire_credits() -> int:
    """Expire the unused sessions of orders whose expiry has passed (safe with two schedulers)."""
    return orders_expire_due()
