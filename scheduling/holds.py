"""Paid single sessions: the time is held for the client while they pay, and the booking is
confirmed only once paid (DESIGN rule 11).

A hold is a Booking in status HELD with `hold_expires_at`: busy for the slot engine and for group
seats like a confirmed booking until that moment, ignored after it (even before the periodic task
releases it). Nobody is told of a hold: booking_created (the confirmation email, reminders, what
orders and calendars do) is sent when it is paid, by `booking_confirm_paid`, the one transition
from HELD to CONFIRMED. An unpaid hold ends in CANCELLED (`booking_release_hold`).

Lock order as scheduling.services: the owner's row, then the booking.
"""
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.locks import lock_owner
from leadmonk.languages import translatable as _
from scheduling import signals
from scheduling.hold_release import RELEASED_REASON, hold_release
from scheduling.models import BookedBy, Booking, BookingStatus, MeetingType
from scheduling.rules import BookingPath
from scheduling.services import BookingError, MeetingTypeUnavailable, booking_create


class HoldExpired(BookingError):
    """The hold ended before the payment arrived: the booking is not confirmed."""

    message = _("The time held for you has run out. Please pick a time again.")


def cancellation_policy(*, window_hours: int, late_cancel_refund: bool, host: str) -> str:
    """A paid session's cancellation policy in one sentence (the booking step and the checkout)."""
    if not window_hours or late_cancel_refund:
        client = gettext("Cancel any time before the start for a full refund.")
    else:
        client = ngettext(
            "Cancel at least %(count)s hour before the start for a full refund; later, there is no refund.",
            "Cancel at least %(count)s hours before the start for a full refund; later, there is no refund.",
            window_hours) % {"count": window_hours}
    return client + " " + gettext("If %(host)s cancels, you are refunded in full.") % {"host": host}


def paid_booking_note(meeting_type: MeetingType) -> str:
    """What the confirm step of a paid meeting type says before the client goes on to pay."""
    from leadmonk.money import format_money

    minutes = settings.PAID_BOOKING_HOLD_MINUTES
    policy = cancellation_policy(window_hours=meeting_type.cancel_window_hours,
                                 late_cancel_refund=meeting_type.late_cancel_refund,
                                 host=meeting_type.owner.display_name or gettext("your host"))
    return gettext("This session costs %(price)s, paid online next. We hold the time for you for %(minutes)s minutes "
                   "while you pay; your booking is confirmed once paid.") % {
        "price": format_money(meeting_type.price, meeting_type.currency), "minutes": minutes} + " " + policy


def hold_duration() -> timedelta:
    return timedelta(minutes=settings.PAID_BOOKING_HOLD_MINUTES)


def booking_hold(*, meeting_type: MeetingType, start: datetime, client_name: str, client_email: str,
                 client_phone: str = "", client_timezone: str = "UTC", now: datetime | None = None,
                 path: BookingPath = BookingPath.PUBLIC_PAGE) -> Booking:
    """Hold `start` of a paid meeting type for a client while they pay (PAID_BOOKING_HOLD_MINUTES).

    The same checks as any booking, under the owner's lock (scheduling.services.booking_create);
    payments opens the booking's payment in the same transaction (signals.booking_held) or refuses,
    and then nothing is held. Raises a BookingError subclass."""
    now = now or timezone.now()
    if meeting_type.paid_plan_lapsed:
        # The owner's plan no longer sells paid sessions (a downgrade): not bookable, not free either.
        raise MeetingTypeUnavailable()
    return booking_create(
        meeting_type=meeting_type, start=start, client_name=client_name, client_email=client_email,
        client_phone=client_phone, client_timezone=client_timezone, now=now, hold_until=now + hold_duration(),
        path=path,
    )


def hold_is_live(booking: Booking, now: datetime) -> bool:
    """Held for its client at `now` (a hold past its time is free even before it is released)."""
    return (booking.status == BookingStatus.HELD and booking.hold_expires_at is not None
            and booking.hold_expires_at > now)


def booking_confirm_paid(*, booking_id: int, now: datetime | None = None, receipt: dict | None = None) -> Booking:
    """The session's payment arrived: HELD becomes CONFIRMED and booking_created is sent (the
    confirmation email and reminders), exactly once.

    Already confirmed: nothing happens (a replayed webhook, a second return). A hold that has run
    out (released or not yet) is released and HoldExpired raised: payments records the money and
    flags it for a refund, as for a package order paid after it expired. `receipt` (plain data from
    payments: amount, paid_with, paid_at) goes with booking_created into the confirmation email."""
    now = now or timezone.now()
    with transaction.atomic():
        owner_id = Booking.objects.filter(pk=booking_id).values_list("owner_id", flat=True).get()
        lock_owner(owner_id)
        booking = Booking.objects.select_for_update().select_related("meeting_type__owner").get(pk=booking_id)
        if booking.status == BookingStatus.CONFIRMED:
            return booking
        expired = not hold_is_live(booking, now)
        if expired:
            hold_release(booking, now=now)
        else:
            booking.status = BookingStatus.CONFIRMED
            booking.hold_expires_at = None
            booking.save(update_fields=["status", "hold_expires_at", "updated_at"])
            signals.booking_created.send(sender=Booking, booking=booking, by=BookedBy.CLIENT, now=now, notify=True,
                                         receipt=receipt)
    if expired:
        raise HoldExpired()  # after the block: the release above stands
    return booking


def booking_keep_hold(*, booking_id: int, now: datetime | None = None) -> bool:
    """The session's payment was accepted but the money is not there yet (a bank debit, a capture
    under review): the client has paid as far as they know, so the time stays held for them until
    the session starts, not PAID_BOOKING_HOLD_MINUTES. The money then confirms the booking as
    usual (booking_confirm_paid); a failed payment releases it. A hold already run out is left
    alone (the money, if it comes, is flagged for a refund). The caller holds the owner's lock.
    True when the hold now lasts until the start."""
    now = now or timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    if not hold_is_live(booking, now) or booking.hold_expires_at >= booking.start:
        return False
    booking.hold_expires_at = booking.start
    booking.save(update_fields=["hold_expires_at", "updated_at"])
    return True


def booking_release_hold(*, booking_id: int, now: datetime | None = None, reason: str = RELEASED_REASON) -> bool:
    """Free the time of an unpaid hold (payment failed, abandoned, provider unreachable). True when
    this call released it; a booking that is no longer held is left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        owner_id = Booking.objects.filter(pk=booking_id).values_list("owner_id", flat=True).get()
        lock_owner(owner_id)
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        return hold_release(booking, now=now, reason=reason)


def holds_release_expired(*, now: datetime | None = None, batch: int = 500) -> int:
    """The periodic task: release every hold past its time. Each hold is claimed with SKIP LOCKED
    (another worker, or a payment confirming it right now, has it: left for them) and released in
    its own short transaction. Returns how many were released."""
    now = now or timezone.now()
    candidates = list(
        Booking.objects.filter(status=BookingStatus.HELD, hold_expires_at__lte=now)
        .values_list("pk", "owner_id")[:batch]
    )
    released = 0
    for booking_id, owner_id in candidates:
        with transaction.atomic():
            lock_owner(owner_id)
            booking = (Booking.objects.select_for_update(skip_locked=True)
                       .filter(pk=booking_id, status=BookingStatus.HELD, hold_expires_at__lte=now).first())
            if booking is not None:
                released += hold_release(booking, now=now)
    return released
