"""The email an owner gets when a subscription at a price the site does not sell stops granting a
plan, as a task of its own module: billing_services queues it, and accounts.tasks imports
billing_services for the periodic review, so the task cannot live there without an import circle."""
from celery import shared_task

from accounts import emails


@shared_task(name="accounts.tasks.send_unknown_price_email", **emails.TASK_RETRY)
def send_unknown_price_email(user_id: int, price_id: str) -> None:
    emails.send_unknown_price_email(user_id=user_id, price_id=price_id)
