"""Celery tasks of accounts: they take ids (or the typed email, for a reset) and call a service.

The account emails are queued by the request, so it answers in the same time whether the address
has an account or not (no timing oracle); a mail server error is retried with backoff. Periodic
plan work is scheduled in settings.CELERY_BEAT_SCHEDULE.
"""
from celery import shared_task

from accounts import emails
from accounts.billing_services import subscriptions_review_due

RETRY = emails.TASK_RETRY


@shared_task(name="accounts.tasks.review_subscriptions")
def review_subscriptions() -> int:
    """Move owners whose grace period or paid period is over to the plan their subscription gives."""
    return subscriptions_review_due()


@shared_task(name="accounts.tasks.send_verification_email", **RETRY)
def send_verification_email(user_id: int) -> None:
    emails.send_verification_email(user_id=user_id)


@shared_task(name="accounts.tasks.send_signup_existing_email", **RETRY)
def send_signup_existing_email(user_id: int) -> None:
    emails.send_signup_existing_email(user_id=user_id)


@shared_task(name="accounts.tasks.send_password_reset_email", **RETRY)
def send_password_reset_email(email: str) -> None:
    emails.send_password_reset_email(email=email)
