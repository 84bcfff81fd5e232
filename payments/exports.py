"""Columns and rows of the payments CSV export (see leadmonk.csv_export)."""
from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import ObjectDoesNotExist

from leadmonk.csv_export import local_time
from leadmonk.money import round_money
from payments.selectors import payments_for_export


def payment_header(zone: str) -> list[str]:
    return [
        "Payment ID", f"Created ({zone})", "Status", "Provider", "Amount", "Refunded amount", "Currency", "Code",
        "Discount", "Order ID",
        "Client name", "Client email", "Package", "Provider reference", f"Confirmed ({zone})", f"Refunded ({zone})",
        "Refunded outside the app", "Note", "Booking ID", f"Session ({zone})", "Invoice", "Credit notes",
    ]


def payment_rows(owner, start, end, tz) -> Iterator[list]:
    for payment in payments_for_export(owner=owner, start=start, end=end).iterator(chunk_size=2000):
        order, booking = payment.order, payment.booking  # one of the two (a package order or a session)
        yield [
            payment.pk, local_time(payment.created_at, tz), payment.get_status_display(),
            payment.get_provider_display(), round_money(payment.amount, payment.currency),
            round_money(payment.refunded_amount, payment.currency), payment.currency,
            payment.promo_code, round_money(payment.discount, payment.currency) if payment.promo_code else "",
            order.pk if order else "", payment.client_name, payment.client_email, order.title if order else "",
            payment.provider_payment_id or payment.provider_reference, local_time(payment.confirmed_at, tz),
            local_time(payment.refunded_at, tz), payment.refunded_outside, payment.note,
            booking.pk if booking else "",
            f"{booking.meeting_type.name} on {local_time(booking.start, tz)}" if booking else "",
            _invoice_number(payment), " ".join(note.number for note in payment.credit_notes.all()),
        ]


def _invoice_number(payment) -> str:
    try:
        return payment.invoice.number
    except ObjectDoesNotExist:  # nothing paid yet, or paid before invoices existed
        return ""
