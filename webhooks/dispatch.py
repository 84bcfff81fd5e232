"""The webhook outbox dispatcher: claim due deliveries, POST each, record the outcome.

As the reminder dispatcher (notifications.dispatch), a short transaction claims a batch with
SELECT ... FOR UPDATE SKIP LOCKED (PostgreSQL) and a conditional UPDATE that only takes rows still
claimable (the claim on SQLite), stamping each with this dispatcher's claim token. The POST happens
after that transaction, and the outcome is recorded only WHERE claim_token = ours. A worker that
dies between the claim and the record loses nothing: its claim expires after CLAIM_TIMEOUT and the
delivery is taken again, with the same event id (receivers deduplicate on it).

A failed delivery is tried again with exponential backoff (1, 2, 4 … minutes, at most 4 hours
apart) until 24 hours after it was first due; then it is marked failed, the endpoint is disabled
and its owner emailed (through the notifications outbox). A resend, or enabling the endpoint
again, starts a new day of retries, 1, 2, 4 … minutes apart again.
"""
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from leadmonk import net
from notifications.services import notify_webhook_disabled
from webhooks.models import Delivery, DeliveryStatus, WebhookEndpoint
from webhooks.signing import HEADER, header_value

logger = logging.getLogger(__name__)

# Longer than a send can take (connect, then the answer within SEND_DEADLINE_FACTOR timeouts): a
# claim older than this was abandoned. A batch is claimed at once but sent one by one, so each send
# renews the claim of what is left of its batch (delivery_send_claimed): a slow endpoint's batch
# outlasts a claim, and its later deliveries must not look abandoned meanwhile.
CLAIM_TIMEOUT = timedelta(minutes=2)
SEND_DEADLINE_FACTOR = 3
CLAIM_BATCH_SIZE = 20
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=4)
# Retries of a delivery stop this long after it was first due (or resent, or its endpoint
# enabled again: a new day); then the endpoint is disabled.
RETRY_FOR = timedelta(hours=24)
# The start of the receiver's answer is kept (the dashboard shows it); the rest is not read.
RESPONSE_MAX_BYTES = 4 * 1024
EXCERPT_CHARS = 500


@dataclass
class DispatchResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def backoff(elapsed: timedelta) -> timedelta:
    """The wait after a try that failed `elapsed` into its day of retries: a minute more than that,
    so the tries fall 1, 2, 4 … minutes apart, and at most 4 hours. Counted from the day, not from
    every try the delivery ever had: a resend or an Enable starts again at a minute (and a delivery
    with many tries behind it does not overflow the wait)."""
    return min(max(elapsed, timedelta(0)) + FIRST_BACKOFF, MAX_BACKOFF)


def _claimable_q(now: datetime) -> Q:
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    return (due | abandoned) & Q(endpoint__enabled=True)


def deliveries_claim_due(*, endpoint_id: int | None = None, now: datetime | None = None,
                         limit: int = CLAIM_BATCH_SIZE) -> list[Delivery]:
    """Claim up to `limit` due deliveries (of one endpoint, or of all), oldest due first."""
    now = now or timezone.now()
    token = uuid.uuid4()
    scope = Q(endpoint_id=endpoint_id) if endpoint_id is not None else Q()
    with transaction.atomic():
        # Rows are locked (skipping others' locks) before the update, so two dispatchers never
        # wait on each other's rows.
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_claimable_q(now), scope)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            # The conditional re-check is the claim on SQLite (FOR UPDATE is ignored there): of two
            # dispatchers only the first to write finds the row still claimable.
            Delivery.objects.filter(_claimable_q(now), id__in=ids).update(
                status=DeliveryStatus.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1,
                last_attempt_at=now,
            )
    return list(Delivery.objects.filter(claim_token=token, status=DeliveryStatus.SENDING)
                .select_related("endpoint").order_by("next_attempt_at", "id"))


def endpoints_with_due_deliveries(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(Delivery.objects.filter(_claimable_q(now)).values_list("endpoint_id", flat=True).distinct()
                .order_by("endpoint_id"))


def deliveries_dispatch_due(*, endpoint_id: int | None = None, max_batches: int = 10) -> DispatchResult:
    result = DispatchResult()
    for _ in range(max_batches):
        claimed = deliveries_claim_due(endpoint_id=endpoint_id)
        if not claimed:
            break
        for delivery in claimed:
            result.add(delivery_send_claimed(delivery=delivery))
    return result


def delivery_body(delivery: Delivery) -> bytes:
    """The JSON body: the same id, type, created time and data on every attempt."""
    return json.dumps({
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created": int(delivery.created_at.timestamp()),
        "data": delivery.payload,
    }, separators=(",", ":")).encode()


def delivery_send_claimed(*, delivery: Delivery) -> str:
    """POST one claimed delivery (outside any transaction) and record the outcome on the claim.
    Returns "delivered", "retried", "failed" or "dropped"."""
    endpoint = delivery.endpoint
    mine = Delivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token, status=DeliveryStatus.SENDING)
    now = timezone.now()
    # This worker is alive: what is still unsent of its batch stays its own (CLAIM_TIMEOUT), while
    # the endpoint is enabled. Nothing renewed: the endpoint was disabled since the claim (an
    # earlier delivery of the batch gave up), and the delivery waits for Enable unsent; or the
    # claim was lost (taken over as abandoned), and the new claim sends it.
    renewed = (Delivery.objects.filter(claim_token=delivery.claim_token, status=DeliveryStatus.SENDING,
                                       endpoint__enabled=True).update(claimed_at=now))
    if not renewed:
        mine.update(status=DeliveryStatus.PENDING, claimed_at=None, claim_token=None, attempts=F("attempts") - 1)
        return "dropped"
    body = delivery_body(delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Leadmonk-Webhooks/1.0",
        HEADER: header_value(endpoint.signing_secrets(now), timestamp, body),
        "Leadmonk-Event-Id": str(delivery.event_id),
        "Leadmonk-Event-Type": delivery.event_type,
    }
    code, excerpt = None, ""
    if settings.WEBHOOK_REQUIRE_HTTPS and not endpoint.url.lower().startswith("https://"):
        return _failed(delivery, mine, "Not sent: the address must start with https://.", None, "")
    try:
        response = net.request(
            "POST", endpoint.url, headers=headers, data=body, follow=False,
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES, max_bytes=RESPONSE_MAX_BYTES, truncate=True,
            too_big="", timeout=(settings.WEBHOOK_TIMEOUT, settings.WEBHOOK_TIMEOUT),
            deadline=settings.WEBHOOK_TIMEOUT * SEND_DEADLINE_FACTOR,
        )
    except net.FetchError as error:
        return _failed(delivery, mine, str(error), code, excerpt)
    code = response.status
    excerpt = response.body.decode("utf-8", "replace")[:EXCERPT_CHARS]
    if 200 <= code < 300:
        done = mine.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_response_code=code,
                           last_response_excerpt=excerpt, last_error="", claim_token=None)
        return "delivered" if done else "dropped"
    return _failed(delivery, mine, f"The endpoint answered {code}.", code, excerpt)


def _failed(delivery: Delivery, mine, error: str, code: int | None, excerpt: str) -> str:
    now = timezone.now()
    logger.warning("Webhook delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
    outcome = dict(last_response_code=code, last_response_excerpt=excerpt, last_error=error[:500], claim_token=None)
    if now >= delivery.give_up_at:
        if not mine.update(status=DeliveryStatus.FAILED, **outcome):
            return "dropped"
        endpoint_disable(endpoint_id=delivery.endpoint_id, now=now,
                         reason=f"{error} (event {delivery.event_type}: no success in 24 hours of retries, "
                                f"{delivery.attempts} tries in all)")
        return "failed"
    next_attempt = min(now + backoff(now - (delivery.give_up_at - RETRY_FOR)), delivery.give_up_at)
    if not mine.update(status=DeliveryStatus.PENDING, next_attempt_at=next_attempt, claimed_at=None, **outcome):
        return "dropped"
    return "retried"


def endpoint_disable(*, endpoint_id: int, reason: str, now: datetime | None = None) -> bool:
    """Disable the endpoint (its deliveries are kept and no longer tried) and email its owner,
    once: returns False when it was disabled already. The email is a row of the notifications
    outbox written in the same transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None or not endpoint.enabled:
            return False
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = reason[:300]
        endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason"])
        notify_webhook_disabled(owner=endpoint.owner, url=endpoint.url, reason=endpoint.disabled_reason)
    return True
