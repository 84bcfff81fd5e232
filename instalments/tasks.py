"""The beat task that charges due instalments (leadmonk.settings CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from instalments.services import instalments_charge_due


@shared_task(name="instalments.tasks.charge_due_instalments")
def charge_due_instalments() -> int:
    return instalments_charge_due()
