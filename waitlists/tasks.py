"""Waitlist tasks: they call a service (waitlists.services)."""
from celery import shared_task

from waitlists.services import waitlist_expire_due


@shared_task(name="waitlists.tasks.expire_offers")
def expire_offers() -> int:
    """Every 5 minutes (leadmonk.settings CELERY_BEAT_SCHEDULE): offers not claimed in time expire
    and their seats go to the next in line."""
    return waitlist_expire_due()
