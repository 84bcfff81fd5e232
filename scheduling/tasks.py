"""Celery tasks of scheduling: they take ids (or nothing) and call a service."""
from celery import shared_task

from scheduling.holds import holds_release_expired


@shared_task(name="scheduling.tasks.release_expired_holds")
def release_expired_holds() -> int:
    return holds_release_expired()
