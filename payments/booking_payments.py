"""Paying for a single session: the Payment of a held booking, its confirmation and its refund.

scheduling holds the time (scheduling.holds) and asks, through its signals, for the payment to be
opened (booking_held, in the hold's transaction: the price and the cancellation policy are
snapshotted on the Payment then, so a later edit of the meeting type changes no booked session's
terms) and closed (booking_hold_released). The money then moves through the same guarded
transitions, return page and verified, replay-safe webhooks as a package order's
(payments.services, whose payment_confirm confirms the held booking or flags the money).

Cancellation (booking_cancelled): by the owner, a full refund; by the client, a full refund unless
they cancel inside the session's window and its policy says none. The refund is a network call:
it runs after the cancellation commits (a task), never inside its transaction, and a refund that
fails leaves the payment flagged on the Payments page.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from celery import shared_task
from django.db import OperationalError, transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from leadmonk.content_version import orders_changed
from leadmonk.languages import translatable as _
from leadmonk.money import format_money
from orders.clients import client_is_new
from payments.models import REFUNDABLE_STATUSES, Payment, PaymentStatus, Provider
from payments.providers.base import PaymentError, PaymentProvider, get_provider
from payments.services import payment_confirm, payment_fail, refund_make
from promotions.services import PromoCodeRefused, Quote, normalize_code, promo_quote, promo_redeem, promo_release
from scheduling.models import BookedBy, Booking, BookingStatus, MeetingType, PaymentMedium
from scheduling.services import BookingError
from scheduling.signals import (
    booking_cancelled,
    booking_change_requested,
    booking_held,
    booking_hold_released,
    cancel_terms,
    held_booking_payment_url,
    reschedule_refusal,
)
from scheduling.tax import TaxTerms, owner_tax_terms

logger = logging.getLogger(__name__)

FLAG_REFUND_FAILED = "The session was cancelled with a refund, but the refund failed — refund it."


class PaymentsUnavailable(BookingError):
    message = _("This session cannot be paid for online right now, so it was not booked. Please try again later.")


def provider_for_meeting_type(meeting_type: MeetingType) -> PaymentProvider | None:
    """The meeting type's Payment Medium when it can take the owner's payments; else the test
    provider when it is on (local runs); else None. As payments.views.provider_for_order."""
    if meeting_type.payment_medium in PaymentMedium.values:
        provider = get_provider(meeting_type.payment_medium)
        if provider.is_available(meeting_type.owner):
            return provider
    test_provider = get_provider(Provider.TEST)
    return test_provider if test_provider.is_configured() else None


@receiver(booking_held, dispatch_uid="payments.open_session_payment")
def open_session_payment(sender, *, booking: Booking, **_) -> Payment:
    """The held booking's one Payment, for the meeting type's price and policy as they are now, and
    the owner's tax: when their prices exclude it the client pays price + tax (its snapshot)."""
    meeting_type = booking.meeting_type
    provider = provider_for_meeting_type(meeting_type)
    if provider is None:
        raise PaymentsUnavailable()
    terms = owner_tax_terms(meeting_type.owner)
    tax = terms.tax_on_top(meeting_type.price, meeting_type.currency)
    return Payment.objects.create(
        booking=booking, provider=provider.identifier, amount=meeting_type.price + tax, currency=meeting_type.currency,
        tax_rate=terms.rate, prices_include_tax=terms.inclusive, tax_added=tax,
        cancel_window_hours=meeting_type.cancel_window_hours, late_cancel_refund=meeting_type.late_cancel_refund,
    )


def payment_tax_terms(payment: Payment) -> TaxTerms:
    """The tax a payment was opened with (no tax for one made before payments kept it)."""
    if payment.tax_rate is None:
        return TaxTerms()
    return TaxTerms(rate=payment.tax_rate, inclusive=payment.prices_include_tax)


@receiver(held_booking_payment_url, dispatch_uid="payments.session_checkout_url")
def session_checkout_url(sender, *, booking: Booking, **_) -> str:
    return reverse("payments:session_checkout", args=[booking.token])


@receiver(booking_hold_released, dispatch_uid="payments.close_session_payment")
def close_session_payment(sender, *, booking: Booking, **_) -> None:
    """The hold ended unpaid: its open payment is cancelled (money that still arrives is recorded
    and flagged for a refund by payment_confirm: CANCELED -> CONFIRMED is allowed)."""
    for payment in Payment.objects.select_for_update().filter(
        booking=booking, status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING]
    ):
        payment.status = PaymentStatus.CANCELED
        payment.save(update_fields=["status", "updated_at"])
    # Its promo code's use is given back (a failed payment releases the hold, and so comes here too).
    promo_release(reference=session_promo_reference(booking.pk))


def session_payment(booking: Booking) -> Payment | None:
    """The payment of a paid session (the latest, should there be more), or None."""
    return Payment.objects.filter(booking=booking).order_by("-created_at", "-id").first()


def session_promo_reference(booking_id: int) -> str:
    """How promotions names a paid session's redemption (plain data: promotions never imports us)."""
    return f"booking:{booking_id}"


def _session_price(payment: Payment) -> Decimal:
    # The meeting type's price as snapshotted when the time was held (before any code and tax).
    return payment.amount - payment.tax_added + payment.discount


def session_promo_quote(*, booking: Booking, code: str) -> Quote:
    """What `code` takes off this held session, without using it (the checkout's "Apply").
    Raises PromoCodeRefused with the reason."""
    payment = session_payment(booking)
    return promo_quote(
        owner_id=booking.meeting_type.owner_id, code=code, email=booking.client_email,
        amount=_session_price(payment), currency=payment.currency, meeting_type_id=booking.meeting_type_id,
        client_is_new=client_is_new(owner_id=booking.meeting_type.owner_id, email=booking.client_email),
    )


def session_promo_redeem(*, booking: Booking, code: str) -> Payment:
    """Use `code` for this held session before paying: under the payment's lock and the code's
    (promotions.services.promo_redeem), the payment's amount becomes the discounted total and keeps
    the code and discount. A total of 0 confirms the booking at once, without a provider. Raises
    PromoCodeRefused (nothing changed) or PaymentError (the hold ran out)."""
    from scheduling.holds import hold_is_live

    normalized = normalize_code(code)
    with transaction.atomic():
        current = session_payment(booking)
        payment = Payment.objects.select_for_update().get(pk=current.pk) if current else None
        if payment is None or payment.status != PaymentStatus.CREATED or not hold_is_live(booking, timezone.now()):
            raise PaymentError(_("The time held for you has run out. Please pick a time again."))
        if payment.promo_code == normalized:
            return payment  # applied already (a second click, the back button)
        if payment.promo_code or payment.checkout_url:
            # The provider's checkout was opened for the amount as it was: it is not changed under it.
            raise PromoCodeRefused(_("Your payment has already started; its promo code can no longer be changed."))
        owner_id = booking.meeting_type.owner_id
        quote = promo_redeem(
            owner_id=owner_id, code=normalized, email=booking.client_email, amount=_session_price(payment),
            currency=payment.currency, reference=session_promo_reference(booking.pk),
            client_is_new=client_is_new(owner_id=owner_id, email=booking.client_email),
            meeting_type_id=booking.meeting_type_id,
        )
        # The tax (when prices exclude it) is on what is left to pay after the code.
        tax = payment_tax_terms(payment).tax_on_top(quote.total, payment.currency)
        payment.amount, payment.promo_code, payment.discount = quote.total + tax, quote.code, quote.discount
        payment.tax_added = tax
        payment.save(update_fields=["amount", "promo_code", "discount", "tax_added", "updated_at"])
    if payment.amount == 0:
        # Nothing to pay: no provider is involved; the payment is confirmed for 0 (the booking with it).
        payment = payment_confirm(payment_id=payment.pk, amount=Decimal(0), currency=payment.currency)
    return payment


def booking_checkout_start(*, booking: Booking, request) -> str:
    """Open the provider's checkout of a held session and return where the client pays.

    A checkout opened a moment ago (double click, back button) is reused. When the provider cannot
    be reached, the hold is released (the time goes back on offer) and PaymentError raised with a
    message for the client."""
    from scheduling.holds import hold_is_live

    payment = session_payment(booking)
    if payment is None or not hold_is_live(booking, timezone.now()) or payment.status != PaymentStatus.CREATED:
        raise PaymentError(_("The time held for you has run out. Please pick a time again."))
    if payment.checkout_url:
        return payment.checkout_url
    provider = get_provider(payment.provider)
    try:
        return provider.start_checkout(payment, request)
    except PaymentError as error:
        # The payment fails, and with it the hold (payment_fail releases a session's time).
        payment_fail(payment_id=payment.pk, reason=error.message)
        released = _("The time we held for you was released; nothing was charged.")
        raise PaymentError(f"{error.message} {released}") from error  # in the page's language


# -- cancellation ---------------------------------------------------------------------------------


def refund_due(*, payment: Payment, booking: Booking, by: str, now: datetime) -> bool:
    """Whether cancelling `booking` now gives its payment back in full (the one rule: the page that
    warns and the refund that follows both ask it)."""
    if by != BookedBy.CLIENT:
        return True
    window = timedelta(hours=payment.cancel_window_hours or 0)
    inside_window = booking.start - now < window
    return not inside_window or payment.late_cancel_refund


def _paid(booking: Booking) -> Payment | None:
    if booking.order_item_id is not None:
        return None
    return Payment.objects.filter(booking=booking, status__in=REFUNDABLE_STATUSES, flagged=False).first()


@receiver(cancel_terms, dispatch_uid="payments.session_cancel_terms")
def cancel_terms(sender, *, booking: Booking, now: datetime | None = None, **_) -> str:
    """What cancelling a paid session now does with the money, said before the client confirms."""
    if not booking.meeting_type.is_paid:
        # No query for the bookings of free meeting types (the booking page's budget is one query).
        return ""
    payment = _paid(booking)
    if payment is None:
        return ""
    amount = format_money(payment.amount, payment.currency)
    if refund_due(payment=payment, booking=booking, by=BookedBy.CLIENT, now=now or timezone.now()):
        if payment.refunded_amount:
            # Part of it went back already (the owner's partial refund): the cancel refunds the rest.
            return gettext("Cancelling now refunds the rest of your payment: %(amount)s.") % {
                "amount": format_money(payment.refundable_amount, payment.currency)}
        return gettext("Cancelling now refunds your payment of %(amount)s in full.") % {"amount": amount}
    hours = payment.cancel_window_hours
    return ngettext("This session starts in less than %(count)s hour: cancelling now gives no refund of your "
                    "payment of %(amount)s.",
                    "This session starts in less than %(count)s hours: cancelling now gives no refund of your "
                    "payment of %(amount)s.", hours) % {"count": hours, "amount": amount}


class LateSessionMove(BookingError):
    """A client's move inside a paid session's window when a cancel there refunds nothing: moving
    it to next week and cancelling that in time would dodge the policy."""

    message = _("This session starts inside its cancellation window, so it can no longer be moved online. "
                "Please contact your host.")


def _late_move(booking: Booking, now: datetime, *, ask_free: bool = False) -> bool:
    if not booking.meeting_type.is_paid and not ask_free:
        return False  # no query for free sessions' pages
    payment = _paid(booking)
    return payment is not None and not refund_due(payment=payment, booking=booking, by=BookedBy.CLIENT, now=now)


@receiver(reschedule_refusal, dispatch_uid="payments.session_reschedule_refusal")
def session_reschedule_refusal(sender, *, booking: Booking, now: datetime | None = None, **_) -> str:
    return LateSessionMove.message if _late_move(booking, now or timezone.now()) else ""


@receiver(booking_change_requested, dispatch_uid="payments.session_change_requested")
def refuse_late_session_move(sender, *, booking: Booking, by: str, now: datetime, **_) -> None:
    # The move itself asks even when the type is free now: a session paid for before the owner
    # made it free keeps the window it was sold with (moving it out, then cancelling, would refund it).
    if by == BookedBy.CLIENT and _late_move(booking, now, ask_free=True):
        raise LateSessionMove()


@receiver(booking_cancelled, dispatch_uid="payments.session_cancel_refund")
def refund_on_cancel(sender, *, booking: Booking, by: str, now: datetime, **_) -> None:
    payment = _paid(booking)
    if payment is None or not refund_due(payment=payment, booking=booking, by=by, now=now):
        return
    # After the cancellation commits: no network call inside its transaction.
    transaction.on_commit(lambda: refund_session_payment.delay(payment.pk))


# Here rather than in payments/tasks.py: it and the receiver above would import each other.
@shared_task(name="payments.booking_payments.refund_session_payment", autoretry_for=(OperationalError,),
             max_retries=3, retry_backoff=True)
def refund_session_payment(payment_id: int) -> None:
    """Refund a cancelled paid session (session_payment_refund)."""
    session_payment_refund(payment_id=payment_id)


def session_payment_refund(*, payment_id: int) -> Payment:
    """Refund what is left of a cancelled session's payment through its provider (the full-refund
    key: a retried task refunds once). A refund that fails flags the payment on Payments."""
    from payments.providers.base import RefundError

    payment = Payment.objects.select_related("booking").get(pk=payment_id)
    if payment.status not in REFUNDABLE_STATUSES or payment.booking.status != BookingStatus.CANCELLED:
        return payment
    try:
        if payment.provider == Provider.MANUAL:
            raise RefundError("Paid outside the app.")
        refund_make(payment=payment, reason=gettext_noop("The session was cancelled."))
    except PaymentError as error:
        logger.warning("refund of session payment %s failed: %s", payment.pk, error.message)
        Payment.objects.filter(pk=payment.pk, flagged=False).update(
            flagged=True, flag_reason=FLAG_REFUND_FAILED, updated_at=timezone.now())
        orders_changed(owner_id=payment.owner_id)
        return payment
    payment.refresh_from_db()
    return payment
