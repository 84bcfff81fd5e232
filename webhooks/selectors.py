"""Reads of Settings > Webhooks, scoped to the owner."""
from django.db.models import Count, Max, Q, QuerySet

from webhooks.models import Delivery, DeliveryStatus, WebhookEndpoint


def endpoints_for_owner(owner) -> QuerySet[WebhookEndpoint]:
    """The owner's endpoints, each with its failing count and last event time (one query)."""
    return (WebhookEndpoint.objects.filter(owner=owner)
            .annotate(failing=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING,
                                                            deliveries__attempts__gt=0)),
                      last_event_at=Max("deliveries__created_at"))
            .order_by("created_at", "id"))


def deliveries_of_endpoint(endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint=endpoint).defer("payload")
