"""Notifications listens to what scheduling, orders and teams announce (they never import it): each
receiver writes the reminder rows and the messages of the change, inside the change's transaction."""
from django.dispatch import receiver

from invoices.signals import payment_partly_refunded, session_payment_refunded
from leadmonk.sections import render_to_section
from notifications import services
from notifications.selectors import booking_message_log
from orders import signals as order_signals
from scheduling import signals as booking_signals
from teams import signals as team_signals


@receiver(booking_signals.booking_created, dispatch_uid="notifications.booking_created")
def on_booking_created(*, booking, notify: bool = True, receipt: dict | None = None, **_) -> None:
    # The reminders, and the confirmation unless `notify` is False (a set of sessions:
    # order_sessions_booked sends one message for all), in one round trip.
    services.booking_confirmed_write(booking=booking, notify=notify, receipt=receipt)


@receiver(booking_signals.booking_rescheduled, dispatch_uid="notifications.booking_rescheduled")
def on_booking_rescheduled(*, booking, previous_start, **_) -> None:
    services.reminders_reschedule(booking=booking)
    services.notify_booking_rescheduled(booking=booking, previous_start=previous_start)


@receiver(booking_signals.booking_cancelled, dispatch_uid="notifications.booking_cancelled")
def on_booking_cancelled(*, booking, notify: bool = True, **_) -> None:
    services.reminders_drop(booking=booking)
    if notify:
        services.notify_booking_cancelled(booking=booking)


@receiver(order_signals.order_activated, dispatch_uid="notifications.order_activated")
def on_order_activated(*, order, **_) -> None:
    services.notify_order_confirmed(order=order)


@receiver(order_signals.order_sessions_booked, dispatch_uid="notifications.order_sessions_booked")
def on_order_sessions_booked(*, order, bookings, **_) -> None:
    services.notify_sessions_booked(order=order, bookings=bookings)


@receiver(order_signals.order_expiring, dispatch_uid="notifications.order_expiring")
def on_order_expiring(*, order, sessions_left: int, **_) -> None:
    services.notify_order_expiring(order=order, sessions_left=sessions_left)


@receiver(order_signals.order_book_nudge, dispatch_uid="notifications.order_book_nudge")
def on_order_book_nudge(*, order, sessions_left: int, **_) -> None:
    services.notify_order_book_nudge(order=order, sessions_left=sessions_left)


@receiver(order_signals.order_confirmation_requested, dispatch_uid="notifications.order_confirmation_requested")
def on_order_confirmation_requested(*, order, **_) -> None:
    # A resend is for the client only; the owner already had the new-order notice.
    services.notify_order_confirmed(order=order, owner_notice=False)


@receiver(order_signals.order_payment_requested, dispatch_uid="notifications.order_payment_requested")
def on_order_payment_requested(*, order, **_) -> None:
    services.notify_order_payment_requested(order=order)


@receiver(order_signals.order_cancelled, dispatch_uid="notifications.order_cancelled")
def on_order_cancelled(*, order, cancelled_bookings=(), **_) -> None:
    services.notify_order_cancelled(order=order, cancelled_bookings=cancelled_bookings)


@receiver(order_signals.gift_delivered, dispatch_uid="notifications.gift_delivered")
def on_gift_delivered(*, order, gift, **_) -> None:
    services.notify_gift_delivered(order=order, gift=gift)


@receiver(team_signals.invitation_created, dispatch_uid="notifications.invitation_created")
def on_invitation_created(*, invitation, **_) -> None:
    services.notify_team_invitation(invitation=invitation)


@receiver(booking_signals.owner_booking_page_sections, dispatch_uid="notifications.booking_page")
def booking_page_message_log(*, request, booking, **_) -> str:
    """The owner's booking page: every message of the booking and its reminders (two queries)."""
    return render_to_section(request, "notifications/_booking_messages.html",
                             {"booking": booking, "log": booking_message_log(booking=booking)})


@receiver(payment_partly_refunded, dispatch_uid="notifications.payment_partly_refunded")
def on_payment_partly_refunded(*, order=None, booking=None, credit_note=None, amount, left, currency: str,
                               reason: str = "", sessions_removed=(), **_) -> None:
    services.notify_partial_refund(order=order, booking=booking, credit_note=credit_note, amount=amount, left=left,
                                   currency=currency, reason=reason, sessions_removed=list(sessions_removed))


@receiver(session_payment_refunded, dispatch_uid="notifications.session_payment_refunded")
def on_session_payment_refunded(*, booking, credit_note=None, amount, currency: str, reason: str = "", **_) -> None:
    services.notify_session_refund(booking=booking, credit_note=credit_note, amount=amount, currency=currency,
                                   reason=reason)
