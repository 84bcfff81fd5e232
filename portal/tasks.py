"""The portal's periodic work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from portal.services import sign_in_links_purge


@shared_task(name="portal.tasks.purge_sign_in_links")
def purge_sign_in_links() -> int:
    return sign_in_links_purge()
