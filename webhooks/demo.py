"""The demo owner's webhook endpoint (seed_demo, in the demo app): it points
at an address that does not exist (.invalid never resolves), so its failed deliveries and
retries are there to see in Settings › Webhooks."""
from datetime import timedelta

from django.utils import timezone

from orders.models import PackageOrder
from scheduling.models import Booking
from webhooks import payloads
from webhooks.models import Delivery, DeliveryStatus, EventType, WebhookEndpoint
from webhooks.services import RETRY_FOR

DEMO_URL = "https://hooks.leadmonk-demo.invalid/events"


def seed(owner) -> WebhookEndpoint:
    endpoint, created = WebhookEndpoint.objects.get_or_create(
        owner=owner, url=DEMO_URL,
        defaults={"description": "Demo: an address that does not exist", "events": list(EventType.values)})
    if not created:
        return endpoint
    now = timezone.now()
    # What the demo's orders and bookings would have sent, each tried a few times already.
    events = [(EventType.ORDER_CREATED, payloads.order_data(order))
              for order in PackageOrder.objects.filter(owner=owner).order_by("created_at", "id")[:2]]
    events += [(EventType.BOOKING_CREATED, payloads.booking_data(booking))
               for booking in Booking.objects.filter(owner=owner).order_by("created_at", "id")[:2]]
    for minutes, (event_type, data) in enumerate(events):
        created_at = now - timedelta(minutes=30 + minutes * 7)
        Delivery.objects.create(
            endpoint=endpoint, event_type=event_type, payload=data,
            created_at=created_at, status=DeliveryStatus.PENDING, attempts=4,
            last_attempt_at=now - timedelta(minutes=2), next_attempt_at=now + timedelta(minutes=6),
            give_up_at=created_at + RETRY_FOR,
            last_error="The server hooks.leadmonk-demo.invalid could not be found.")
    return endpoint
