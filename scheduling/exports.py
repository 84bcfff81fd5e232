"""Columns and rows of the bookings CSV export (see leadmonk.csv_export)."""
from __future__ import annotations

from collections.abc import Iterator

from leadmonk.csv_export import local_time
from scheduling.selectors import bookings_for_export


def booking_header(zone: str) -> list[str]:
    return [
        "Booking ID", f"Start ({zone})", f"End ({zone})", "Duration (minutes)", "Session type", "Status",
        "Attendance", "Client name", "Client email", "Client phone", "Client time zone", "Booked by", "Order ID",
        "Package", f"Cancelled ({zone})", "Cancelled by", "Cancel reason",
    ]


def booking_rows(owner, start, end, tz) -> Iterator[list]:
    for booking in bookings_for_export(owner=owner, start=start, end=end).iterator(chunk_size=2000):
        order = booking.order_item.order if booking.order_item_id else None
        yield [
            booking.pk, local_time(booking.start, tz), local_time(booking.end, tz),
            int((booking.end - booking.start).total_seconds() // 60), booking.meeting_type.name,
            booking.get_status_display(), booking.get_attendance_display() if booking.attendance else "",
            booking.client_name, booking.client_email, booking.client_phone, booking.client_timezone,
            booking.get_booked_by_display(), order.pk if order else "", order.title if order else "",
            local_time(booking.cancelled_at, tz), booking.get_cancelled_by_display() if booking.cancelled_by else "",
            booking.cancel_reason,
        ]
