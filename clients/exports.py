"""One client's data as JSON, for a data-access request: everything the owner holds about them."""
from __future__ import annotations

from datetime import datetime

from clients.selectors import ClientHistory


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def client_export(history: ClientHistory, *, owner, now: datetime) -> dict:
    """Plain data (strings, numbers, lists): amounts as decimal strings with their currency, times
    in UTC (ISO 8601)."""
    return {
        "exported_at": _when(now),
        "controller": {"name": owner.display_name or owner.email, "email": owner.email},
        "client": {"email": history.email, "names": history.names, "phones": history.phones},
        "orders": [
            {
                "package": order.title, "status": order.get_status_display(), "ordered_at": _when(order.created_at),
                "name": order.client_name, "first_name": order.client_first_name, "last_name": order.client_last_name,
                "email": order.client_email, "phone": order.client_phone, "time_zone": order.client_timezone,
                "price": str(order.price), "discount": str(order.discount), "promo_code": order.promo_code,
                "currency": order.currency, "paid_at": _when(order.paid_at), "paid_with": order.paid_with,
                "sessions_used": order.sessions_used, "sessions_left": order.sessions_left,
                "expires_at": _when(order.expires_at), "cancelled_at": _when(order.cancelled_at),
                "answers": order.answers,
            }
            for order in history.orders
        ],
        "bookings": [
            {
                "meeting": booking.meeting_type.name, "start": _when(booking.start), "end": _when(booking.end),
                "status": booking.get_status_display(), "attendance": booking.get_attendance_display(),
                "order": booking.order_item.order.title if booking.order_item_id else None,
                "name": booking.client_name, "email": booking.client_email, "phone": booking.client_phone,
                "time_zone": booking.client_timezone, "booked_at": _when(booking.created_at),
                "cancelled_at": _when(booking.cancelled_at), "cancel_reason": booking.cancel_reason,
            }
            for booking in history.bookings
        ],
        "payments": [
            {
                "for": payment.purchase_title, "provider": payment.get_provider_display(),
                "status": payment.get_status_display(), "amount": str(payment.amount), "currency": payment.currency,
                "created_at": _when(payment.created_at), "paid_at": _when(payment.confirmed_at),
                "refunded_at": _when(payment.refunded_at),
            }
            for payment in history.payments
        ],
        "promo_code_uses": [
            {"code": use.promo_code.code, "discount": str(use.discount), "currency": use.currency,
             "used_at": _when(use.created_at), "released_at": _when(use.released_at)}
            for use in history.redemptions
        ],
        "messages": [
            {
                "kind": message.get_kind_display(), "to": message.get_audience_display(),
                "channel": message.get_channel_display(), "recipient": message.recipient,
                "subject": message.subject, "status": message.get_status_display(),
                "created_at": _when(message.created_at), "sent_at": _when(message.sent_at),
            }
            for message in history.messages
        ],
    }
