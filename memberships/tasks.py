"""Memberships' task: a Stripe subscription cancelled after the owner's cancel or refund commits."""
from celery import shared_task

from memberships.services import membership_stop_at_stripe
from payments.providers.base import PaymentError


@shared_task(name="memberships.tasks.stop_subscription_at_stripe", autoretry_for=(PaymentError,),
             max_retries=5, retry_backoff=60)
def stop_subscription_at_stripe(membership_id: int) -> None:
    membership_stop_at_stripe(membership_id=membership_id)
