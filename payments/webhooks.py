"""What every provider's webhook does once the signature is verified: record (provider, event id)
exactly once and apply the event in the same transaction.

The event row and the state change commit together, so an event that failed half-way (a lock
timeout) is not marked processed and the provider's retry applies it. A replay finds the row and
is a no-op.
"""
import logging
from collections.abc import Callable

from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import HttpResponse

from payments.models import WebhookEvent
from payments.providers.base import PaymentError

logger = logging.getLogger(__name__)

# Long enough for a normal confirmation, short enough that the provider's request does not time
# out first: the provider retries a 503 later.
LOCK_TIMEOUT = "5s"


def event_seen(*, provider: str, event_id: str) -> bool:
    return WebhookEvent.objects.filter(provider=provider, event_id=event_id).exists()


def event_process(*, provider: str, event_id: str, event_type: str, apply: Callable[[], None]) -> HttpResponse:
    """Record the event and run `apply` (which calls payments.services) in one transaction."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            try:
                with transaction.atomic():
                    WebhookEvent.objects.create(provider=provider, event_id=event_id, event_type=event_type[:120])
            except IntegrityError:
                return HttpResponse("Already processed.")
            try:
                apply()
            except PaymentError as error:
                # A refused move (e.g. a refund of a payment that never succeeded) will be refused
                # again on every retry: keep the event recorded and say so in the log.
                logger.warning("%s event %s (%s) refused: %s", provider, event_id, event_type, error.message)
    except OperationalError:
        logger.warning("%s event %s (%s): database busy, asking the provider to retry", provider, event_id, event_type)
        return HttpResponse("Busy, retry later.", status=503)
    return HttpResponse("OK")
