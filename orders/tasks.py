"""Periodic order work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from orders.credits import orders_expire_due, orders_warn_expiring
from orders.gifts import gifts_send_due
from orders.nudges import orders_nudge_to_book


@shared_task(name="orders.tasks.expire_credits")
def expire_credits() -> int:
    """Warn clients 7 days before their sessions expire, then expire the unused sessions of orders
    whose expiry has passed (both safe with two schedulers). Returns how many orders expired."""
    orders_warn_expiring()
    return orders_expire_due()


@shared_task(name="orders.tasks.nudge_to_book")
def nudge_to_book() -> int:
    """Remind clients with sessions left and nothing booked for their order's N days, once per
    order (safe with two schedulers). Returns how many were reminded."""
    return orders_nudge_to_book()


@shared_task(name="orders.tasks.send_gifts")
def send_gifts() -> int:
    """Email recipients the gifts whose day has come, once each (safe with two schedulers).
    Returns how many were sent."""
    return gifts_send_due()
