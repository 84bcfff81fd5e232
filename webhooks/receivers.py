"""Webhooks listens to what orders and scheduling announce: each signal below is sent inside the
transaction of the change (orders.signals, scheduling.signals say so), so the outbox rows written
here (webhooks.services.event_record) commit or roll back with it.

  orders.order_placed            → order.created
  orders.order_activated         → order.paid (a payment confirmed, or a free order placed)
  orders.order_cancelled         → order.cancelled or order.refunded (the order's status says which)
  scheduling.booking_created     → booking.created
  scheduling.booking_rescheduled → booking.rescheduled (data.previous_start)
  scheduling.booking_cancelled   → booking.cancelled
  scheduling.attendance_marked   → booking.attendance_marked (data.previous_attendance)
  orders.credits_adjusted        → credits.adjusted
  orders.credits_expired         → credits.expired
And clients.client_erased: the deliveries about the erased client's orders and bookings are scrubbed.
"""
from django.dispatch import receiver

from clients.signals import client_erased
from orders import signals as order_signals
from orders.models import OrderStatus, PackageOrder
from scheduling import owner_facts as facts
from scheduling import signals as booking_signals
from webhooks import payloads
from webhooks.models import EventType
from webhooks.services import deliveries_scrub, event_record, has_endpoints_condition


@receiver(order_signals.order_placed, dispatch_uid="webhooks.order_placed")
def on_order_placed(*, order, **_) -> None:
    event_record(owner_id=order.owner_id, event_type=EventType.ORDER_CREATED, data=lambda: payloads.order_data(order))


@receiver(order_signals.order_activated, dispatch_uid="webhooks.order_activated")
def on_order_activated(*, order, **_) -> None:
    event_record(owner_id=order.owner_id, event_type=EventType.ORDER_PAID, data=lambda: payloads.order_data(order))


@receiver(order_signals.order_cancelled, dispatch_uid="webhooks.order_cancelled")
def on_order_cancelled(*, order, **_) -> None:
    kind = EventType.ORDER_REFUNDED if order.status == OrderStatus.REFUNDED else EventType.ORDER_CANCELLED
    event_record(owner_id=order.owner_id, event_type=kind, data=lambda: payloads.order_data(order))


# A new booking's meeting type is read with the answer (scheduling.owner_facts): no cache call.
HAS_ENDPOINTS = "webhooks.has_endpoints"
facts.register(HAS_ENDPOINTS, has_endpoints_condition)


@receiver(booking_signals.booking_created, dispatch_uid="webhooks.booking_created")
def on_booking_created(*, booking, owner_facts: dict[str, bool] | None = None, **_) -> None:
    event_record(owner_id=booking.owner_id, event_type=EventType.BOOKING_CREATED,
                 data=lambda: payloads.booking_data(booking),
                 has_endpoints=facts.answer(owner_facts, HAS_ENDPOINTS))


@receiver(booking_signals.booking_rescheduled, dispatch_uid="webhooks.booking_rescheduled")
def on_booking_rescheduled(*, booking, previous_start, **_) -> None:
    event_record(owner_id=booking.owner_id, event_type=EventType.BOOKING_RESCHEDULED,
                 data=lambda: payloads.booking_data(booking, previous_start=previous_start))


@receiver(booking_signals.booking_cancelled, dispatch_uid="webhooks.booking_cancelled")
def on_booking_cancelled(*, booking, **_) -> None:
    event_record(owner_id=booking.owner_id, event_type=EventType.BOOKING_CANCELLED,
                 data=lambda: payloads.booking_data(booking))


@receiver(booking_signals.attendance_marked, dispatch_uid="webhooks.attendance_marked")
def on_attendance_marked(*, booking, previous, **_) -> None:
    event_record(owner_id=booking.owner_id, event_type=EventType.BOOKING_ATTENDANCE_MARKED,
                 data=lambda: payloads.booking_data(booking, previous_attendance=previous or None))


@receiver(order_signals.credits_adjusted, dispatch_uid="webhooks.credits_adjusted")
def on_credits_adjusted(*, entry, **_) -> None:
    order = entry.order_item.order
    event_record(owner_id=order.owner_id, event_type=EventType.CREDITS_ADJUSTED,
                 data=lambda: payloads.credits_data(PackageOrder.objects.get(pk=order.pk), [entry]))


@receiver(order_signals.credits_expired, dispatch_uid="webhooks.credits_expired")
def on_credits_expired(*, order, entries, **_) -> None:
    event_record(owner_id=order.owner_id, event_type=EventType.CREDITS_EXPIRED,
                 data=lambda: payloads.credits_data(PackageOrder.objects.get(pk=order.pk), entries))


@receiver(client_erased, dispatch_uid="webhooks.client_erased")
def on_client_erased(*, owner, order_ids, booking_ids, scrub, **_) -> None:
    deliveries_scrub(owner_id=owner.pk, order_ids=order_ids, booking_ids=booking_ids, scrub=scrub)
