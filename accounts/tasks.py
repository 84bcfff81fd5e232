"""Celery tasks of accounts: they take ids (or the typed email, for a reset) and call accounts.emails.

The request only queues the task, so it answers in the same time whether the address has an
account or not (no timing oracle). A mail server error is retried with backoff.
"""
from celery import shared_task

from accounts import emails

RETRY = {"autoretry_for": (emails.AccountEmailError,), "retry_backoff": 30, "retry_jitter": True, "max_retries": 4}


@shared_task(name="accounts.tasks.send_verification_email", **RETRY)
def send_verification_email(user_id: int) -> None:
    emails.send_verification_email(user_id=user_id)


@shared_task(name="accounts.tasks.send_signup_existing_email", **RETRY)
def send_signup_existing_email(user_id: int) -> None:
    emails.send_signup_existing_email(user_id=user_id)


@shared_task(name="accounts.tasks.send_password_reset_email", **RETRY)
def send_password_reset_email(email: str) -> None:
    emails.send_password_reset_email(email=email)
