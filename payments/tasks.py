"""Periodic payment work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from payments.services import orders_expire_unpaid


@shared_task(name="payments.tasks.expire_unpaid_orders")
def expire_unpaid_orders() -> int:
    """Expire orders left unpaid longer than UNPAID_ORDER_EXPIRY_MINUTES."""
    return orders_expire_unpaid()

