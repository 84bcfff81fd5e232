"""Periodic payment work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task
from django.db import OperationalError

from payments.services import orders_expire_unpaid


@shared_task(name="payments.tasks.expire_unpaid_orders")
def expire_unpaid_orders() -> int:
    """Expire orders left unpaid longer than UNPAID_ORDER_EXPIRY_MINUTES."""
    return orders_expire_unpaid()


@shared_task(name="payments.tasks.refund_session_payment", autoretry_for=(OperationalError,), max_retries=3,
             retry_backoff=True)
def refund_session_payment(payment_id: int) -> None:
    """Refund a cancelled paid session (payments.booking_payments.session_payment_refund)."""
    from payments.booking_payments import session_payment_refund

    session_payment_refund(payment_id=payment_id)
