"""Columns and rows of the orders and credit-ledger CSV exports (see leadmonk.csv_export)."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from leadmonk.csv_export import local_time
from leadmonk.money import round_money
from orders.gifts import gift_of
from orders.selectors import ledger_for_export, orders_for_export


def order_header(zone: str) -> list[str]:
    return [
        "Order ID", f"Ordered ({zone})", "Status", "Client name", "Client email", "Client phone", "Package",
        "Sessions", "Sessions left", "Price", "Code", "Discount", "Amount paid", "Currency", "Paid with",
        f"Paid ({zone})", f"Cancelled ({zone})", f"Expires ({zone})", "Gift from",
    ]


def order_rows(owner, start, end, tz) -> Iterator[list]:
    for order in orders_for_export(owner=owner, start=start, end=end).iterator(chunk_size=2000):
        yield [
            order.pk, local_time(order.created_at, tz), order.get_status_display(), order.client_name,
            order.client_email, order.client_phone, order.title, order.export_sessions, order.export_remaining,
            round_money(order.price_before_discount, order.currency), order.promo_code,
            round_money(order.discount, order.currency) if order.promo_code else "", _amount_paid(order),
            order.currency,
            order.paid_with or order.payment_medium,
            local_time(order.paid_at, tz), local_time(order.cancelled_at, tz), local_time(order.expires_at, tz),
            _gift_from(order),
        ]


def _gift_from(order) -> str:
    """Who gave the order (its client is the recipient once paid), or "" for an order bought for oneself."""
    gift = gift_of(order)
    return f"{gift.buyer_name} <{gift.buyer_email}>" if gift is not None else ""


def _amount_paid(order):
    """What the client paid for the order, so a sum of the column is the money taken (refunds aside:
    the payments export has them): the total once paid (after its promo code, with the tax the client
    paid on top when prices exclude it), 0 for a complimentary order (its Price is the package's list
    price), empty while unpaid."""
    if order.is_complimentary:
        return round_money(Decimal(0), order.currency)
    return round_money(order.total_price, order.currency) if order.paid_at else ""


def ledger_header(zone: str) -> list[str]:
    return [
        "Entry ID", f"When ({zone})", "Order ID", "Client name", "Client email", "Package", "Session type",
        "Change", "Reason", f"Session start ({zone})", "Note", "By",
    ]


def ledger_rows(owner, start, end, tz) -> Iterator[list]:
    for entry in ledger_for_export(owner=owner, start=start, end=end).iterator(chunk_size=2000):
        item, order = entry.order_item, entry.order_item.order
        yield [
            entry.pk, local_time(entry.created_at, tz), order.pk, order.client_name, order.client_email, order.title,
            item.meeting_type_name, entry.change, entry.get_reason_display(),
            local_time(entry.booking.start, tz) if entry.booking else "", entry.note,
            entry.created_by.email if entry.created_by else "",
        ]
