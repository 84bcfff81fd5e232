"""Writes of outgoing webhooks: the owner's endpoints (add, edit, rotate the secret, enable,
remove), recording an event as outbox rows, and "Resend".

event_record runs inside the transaction of the change it reports (webhooks.receivers): its rows
commit or roll back with the change, so an event is never sent for a change that rolled back and
never lost for one that committed. Sending is webhooks.dispatch's, after the commit.

An event is recorded for a disabled endpoint too: its rows wait, unsent, until "Enable endpoint"
(the disabled email's promise: nothing is lost, what was waiting is sent).

Whether an owner has any endpoint is cached per owner (a booking of an owner without webhooks costs
no query): the key is deleted when an endpoint is saved or deleted, at once and again when the
transaction commits (a reader between the two cannot leave a stale "none" behind).
"""
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from webhooks.dispatch import RETRY_FOR
from webhooks.models import Delivery, DeliveryStatus, EventType, WebhookEndpoint, new_secret
from webhooks.tasks import deliver_endpoint

# A rotated-out secret still signs for this long.
PREVIOUS_SECRET_VALID_FOR = timedelta(hours=24)


class WebhookError(Exception):
    """A refused change; the message says why in the owner's words."""


def _has_endpoints_key(owner_id: int) -> str:
    return f"{settings.WEBHOOK_KEY_PREFIX}:has-endpoints:{owner_id}"


def _forget(owner_id: int) -> None:
    key = _has_endpoints_key(owner_id)
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001 - a cache that is down holds nothing stale either
        pass
    transaction.on_commit(lambda: cache.delete(key), robust=True)


@receiver(post_save, sender=WebhookEndpoint, dispatch_uid="webhooks.endpoint_saved")
@receiver(post_delete, sender=WebhookEndpoint, dispatch_uid="webhooks.endpoint_deleted")
def _endpoint_changed(*, instance: WebhookEndpoint, **_) -> None:
    _forget(instance.owner_id)


def _owner_has_endpoints(owner_id: int) -> bool:
    key = _has_endpoints_key(owner_id)
    try:
        known = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is down: ask the database
        known = None
    if known is not None:
        return bool(known)
    found = WebhookEndpoint.objects.filter(owner_id=owner_id).exists()
    try:
        cache.set(key, int(found), 60 * 60)
    except Exception:  # noqa: BLE001
        pass
    return found


def has_endpoints_condition(owner_id_column: str) -> str:
    """SQL: whether the owner whose id is `owner_id_column` has an endpoint, enabled or not (read
    with a new booking's meeting type: scheduling.owner_facts, webhooks.receivers)."""
    table = connection.ops.quote_name(WebhookEndpoint._meta.db_table)
    owner = WebhookEndpoint._meta.get_field("owner").column
    return f"EXISTS (SELECT 1 FROM {table} WHERE {owner} = {owner_id_column})"


def event_record(*, owner_id: int, event_type: str, data: Callable[[], dict], now: datetime | None = None,
                 has_endpoints: bool | None = None) -> list[Delivery]:
    """Write one delivery per endpoint of the owner that wants `event_type`, all with one event id;
    `data` builds the payload, only when some endpoint wants it. A disabled endpoint's delivery
    waits for "Enable endpoint"; an enabled one's is sent after the commit. Must run inside the
    transaction of the change. `has_endpoints`: whether the owner has any, when the caller read it
    in this transaction (else the cache, then the database, says)."""
    if not (_owner_has_endpoints(owner_id) if has_endpoints is None else has_endpoints):
        return []
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(owner_id=owner_id)
                 if event_type in endpoint.events]
    if not endpoints:
        return []
    now = now or timezone.now()
    event_id = uuid.uuid4()
    payload = data()
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event_id=event_id, event_type=event_type, payload=payload, created_at=now,
                 next_attempt_at=now, give_up_at=now + RETRY_FOR)
        for endpoint in endpoints
    )
    _queue([endpoint.pk for endpoint in endpoints if endpoint.enabled])
    return deliveries


def _queue(endpoint_ids: list[int]) -> None:
    for endpoint_id in endpoint_ids:
        # robust: a broker that is down at commit must not turn the committed change into an error
        # page; the rows are due, and the beat task (every minute) sends them.
        transaction.on_commit(lambda endpoint_id=endpoint_id: deliver_endpoint.delay(endpoint_id), robust=True)


def _clean_events(events: list[str]) -> list[str]:
    chosen = set(events)
    unknown = chosen - set(EventType.values)
    if unknown:
        raise WebhookError(f"Unknown event: {', '.join(sorted(unknown))}.")
    if not chosen:
        raise WebhookError("Choose at least one event.")
    return [value for value in EventType.values if value in chosen]


def endpoint_create(*, owner, url: str, events: list[str], description: str = "",
                    now: datetime | None = None) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(owner=owner, url=url, events=_clean_events(events),
                                          description=description.strip(), created_at=now or timezone.now())


def endpoint_update(*, endpoint: WebhookEndpoint, url: str, events: list[str], description: str = ""
                    ) -> WebhookEndpoint:
    endpoint.url = url
    endpoint.events = _clean_events(events)
    endpoint.description = description.strip()
    endpoint.save(update_fields=["url", "events", "description"])
    return endpoint


class SecretReplacedMeanwhile(WebhookError):
    """The secret the owner asked to replace was replaced already (another tab, a second press)."""


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, replacing: str | None = None,
                           now: datetime | None = None) -> WebhookEndpoint:
    """A new secret signs from now on; the one it replaces signs too (a second v1=) for 24 hours.
    `replacing`: the fingerprint of the secret the owner's page showed; when it is no longer the
    current one, nothing changes (SecretReplacedMeanwhile): a second press would push out at once
    the secret the receiver still uses, kept only as the previous one."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if replacing is not None and replacing != endpoint.secret_fingerprint:
            raise SecretReplacedMeanwhile("The secret had been replaced since this page was shown: no new one "
                                          "was made. The current one is below.")
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_VALID_FOR
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def endpoint_enable(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> WebhookEndpoint:
    """Enable a disabled endpoint: what was waiting for it is tried again, with a new day of retries,
    the deliveries that gave up (and so disabled it) among them: the owner was told nothing is lost."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.enabled:
            return endpoint
        # What gave up in the day before it was disabled (that outage), not a delivery an earlier one
        # left failed and the owner chose not to resend.
        gave_up = Q(status=DeliveryStatus.FAILED, give_up_at__gte=(endpoint.disabled_at or now) - RETRY_FOR)
        endpoint.enabled = True
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason"])
        waiting = endpoint.deliveries.filter(Q(status=DeliveryStatus.PENDING) | gave_up)
        if waiting.update(status=DeliveryStatus.PENDING, next_attempt_at=now, give_up_at=now + RETRY_FOR):
            _queue([endpoint.pk])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def delivery_resend(*, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Send the delivery again, with the same event id and data (a receiver that saw it may ignore
    it), and a new day of retries. Raises WebhookError while it is being sent or when the endpoint
    is disabled."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if not delivery.endpoint.enabled:
            raise WebhookError("This endpoint is disabled: enable it first.")
        if delivery.status == DeliveryStatus.SENDING:
            raise WebhookError("This event is being sent right now.")
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.give_up_at = now + RETRY_FOR
        delivery.claimed_at = None
        delivery.claim_token = None
        delivery.save(update_fields=["status", "next_attempt_at", "give_up_at", "claimed_at", "claim_token"])
        _queue([delivery.endpoint_id])
    return delivery


def deliveries_scrub(*, owner_id: int, order_ids: list[int], booking_ids: list[int],
                     scrub: Callable[[dict], dict]) -> int:
    """An erased client's details replaced in the deliveries about their orders and bookings
    (sent or waiting: what is still to be sent goes out scrubbed). Inside the erasure's transaction."""
    about = (Q(event_type__startswith="order.", payload__id__in=order_ids)
             | Q(event_type__startswith="booking.", payload__id__in=booking_ids)
             | Q(event_type__startswith="credits.", payload__order__id__in=order_ids))
    deliveries = list(Delivery.objects.filter(about, endpoint__owner_id=owner_id).only("pk", "payload"))
    for delivery in deliveries:
        delivery.payload = scrub(delivery.payload)
    Delivery.objects.bulk_update(deliveries, ["payload"])
    return len(deliveries)
