"""Attendance: after a session the owner marks it attended or a no-show. What a no-show costs
is the business of the app that sold the session (orders, through scheduling.signals)."""
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from accounts.locks import lock_owner
from scheduling.models import Attendance, Booking, BookingStatus
from scheduling.services import BookingError
from scheduling.signals import attendance_marked


class SessionNotPast(BookingError):
    message = "This session has not taken place yet: mark it once it has started."


class AttendanceOfCancelled(BookingError):
    message = "This session was cancelled: there is nothing to mark."


class AttendanceMark(NamedTuple):
    booking: Booking
    changed: bool  # False: it was marked so already (a double click, a second tab), read under its lock


def booking_mark_attendance(*, booking: Booking, attendance: str, by_user=None, now: datetime | None = None
                            ) -> AttendanceMark:
    """Mark a session that has started as attended or a no-show. Marking it again with the same
    value changes nothing, and says so (`changed`: of two tabs racing, the second is told it was
    marked already). Raises a BookingError for a future or cancelled session."""
    now = now or timezone.now()
    if attendance not in (Attendance.ATTENDED, Attendance.NO_SHOW):
        raise BookingError("Choose attended or no-show.")
    with transaction.atomic():
        lock_owner(booking.owner_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != BookingStatus.CONFIRMED:
            raise AttendanceOfCancelled()
        if booking.start > now:
            raise SessionNotPast()
        if booking.attendance == attendance:
            return AttendanceMark(booking, changed=False)
        previous = booking.attendance
        booking.attendance = attendance
        booking.save(update_fields=["attendance", "updated_at"])
        attendance_marked.send(sender=Booking, booking=booking, previous=previous, by_user=by_user, now=now)
    return AttendanceMark(booking, changed=True)
