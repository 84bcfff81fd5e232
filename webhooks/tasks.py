"""Webhook work for Celery: send one endpoint's due deliveries (queued when an event is recorded
or "Resend" is pressed), and every minute (settings.CELERY_BEAT_SCHEDULE) one task per endpoint
with due deliveries: retries whose time has come, claims a dead worker left behind."""
from celery import shared_task

from webhooks.dispatch import deliveries_dispatch_due, endpoints_with_due_deliveries


@shared_task(name="webhooks.tasks.deliver_endpoint")
def deliver_endpoint(endpoint_id: int) -> dict:
    return vars(deliveries_dispatch_due(endpoint_id=endpoint_id))


@shared_task(name="webhooks.tasks.deliver_due_webhooks")
def deliver_due_webhooks() -> int:
    """One task per endpoint, so a slow receiver holds up only its own deliveries."""
    ids = endpoints_with_due_deliveries()
    for endpoint_id in ids:
        deliver_endpoint.delay(endpoint_id)
    return len(ids)
