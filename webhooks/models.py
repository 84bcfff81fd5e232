"""Outgoing webhooks: the owner's endpoints (an address, the events it wants, its signing secret)
and the outbox of deliveries, one row per event and endpoint, written in the transaction of the
change it reports (webhooks.receivers) and sent by webhooks.dispatch."""
import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    ORDER_CREATED = "order.created", "Order created"
    ORDER_PAID = "order.paid", "Order paid (or a free order placed)"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_REFUNDED = "order.refunded", "Order refunded"
    BOOKING_CREATED = "booking.created", "Booking created"
    BOOKING_RESCHEDULED = "booking.rescheduled", "Booking rescheduled"
    BOOKING_CANCELLED = "booking.cancelled", "Booking cancelled"
    BOOKING_ATTENDANCE_MARKED = "booking.attendance_marked", "Attendance marked"
    CREDITS_ADJUSTED = "credits.adjusted", "Credits adjusted"
    CREDITS_EXPIRED = "credits.expired", "Credits expired"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # The EventType values it wants, in the order of EventType.
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, default=new_secret)
    # After a rotation the old secret still signs (a second v1=) until this time: receivers have a
    # day to switch.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["owner", "enabled"])]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now) -> list[str]:
        """The secrets that sign a delivery sent at `now`: the current one, then the previous one
        while it is still valid."""
        found = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            found.append(self.previous_secret)
        return found

    @property
    def secret_fingerprint(self) -> str:
        """A short hash of the current secret: the rotate form says which secret it replaces."""
        return hashlib.sha256(self.secret.encode()).hexdigest()[:16]

    def event_labels(self) -> list[str]:
        return [EventType(value).label for value in self.events if value in EventType.values]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class Delivery(models.Model):
    """One event for one endpoint: the outbox row. The event id is the same on every attempt (and
    on a resend), so a receiver that has seen it can ignore it."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    # `data` of the event body, in the REST API's shapes (api.serializers), as it was at the change.
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Retries stop (and the endpoint is disabled) after this time: 24 hours after the first try
    # was due (a resend starts a new day).
    give_up_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveIntegerField(null=True, blank=True)
    last_response_excerpt = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The dispatcher's claim: due rows by status and time.
            models.Index(fields=["status", "next_attempt_at"]),
            # The endpoint's list, newest first (keyset pages).
            models.Index(fields=["endpoint", "created_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id} ({self.status})"
