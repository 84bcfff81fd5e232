"""The client's side of paying for a single session: the checkout page of a held booking (what
is bought, how long the time is held, the cancellation policy, "Pay")."""
import math

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from leadmonk.languages import translatable as _
from leadmonk.languages import use_page_language
from leadmonk.timezones import viewer_clock, viewer_timezone
from payments.booking_payments import (
    booking_checkout_start,
    payment_tax_terms,
    session_payment,
    session_promo_quote,
    session_promo_redeem,
)
from payments.models import PaymentStatus
from payments.providers.base import PaymentError, get_provider
from promotions.services import PromoCodeRefused
from scheduling.holds import cancellation_policy, hold_is_live
from scheduling.models import Booking, BookingStatus
from scheduling.selectors import datetime_label


def _session_amounts(payment, quote) -> dict:
    """The session's price, the tax on top when the owner's prices exclude it, and the total, after
    a code being applied (`quote`) or the one already used."""
    price = payment.amount - payment.tax_added + payment.discount
    if quote is None:
        return {"price": price, "net": payment.amount - payment.tax_added, "tax": payment.tax_added,
                "total": payment.amount}
    tax = payment_tax_terms(payment).tax_on_top(quote.total, payment.currency)
    return {"price": price, "net": quote.total, "tax": tax, "total": quote.total + tax}


@require_http_methods(["GET", "POST"])
def session_checkout(request: HttpRequest, booking_token: str) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.select_related("meeting_type__owner"), token=booking_token)
    use_page_language(booking.meeting_type.owner)
    if booking.status == BookingStatus.CONFIRMED:
        return redirect("bookings:manage", token=booking.token)
    payment = session_payment(booking)
    if payment is None:
        return redirect("bookings:manage", token=booking.token)
    if payment.status == PaymentStatus.PENDING:
        # Paid, the money still on its way (a bank debit): no second checkout, the page that waits.
        return redirect("payments:return", token=payment.token)
    now = timezone.now()
    code = request.POST.get("promo_code", "").strip()[:60] if request.method == "POST" else payment.promo_code
    code_error, quote = "", None
    if request.method == "POST" and hold_is_live(booking, now):
        if "apply" in request.POST:
            # "Apply" (no JavaScript): show what the code does to the total; nothing is used yet.
            if not code:
                code_error = _("Enter a promo code, or pay the full price.")
            else:
                try:
                    quote = session_promo_quote(booking=booking, code=code)
                except PromoCodeRefused as refused:
                    code_error = refused.message
        else:
            try:
                if code:
                    payment = session_promo_redeem(booking=booking, code=code)
                    if payment.status == PaymentStatus.CONFIRMED:
                        return redirect("bookings:manage", token=booking.token)
                return redirect(booking_checkout_start(booking=booking, request=request))
            except PromoCodeRefused as refused:
                code_error = refused.message
            except PaymentError as error:
                messages.error(request, error.message)
                booking.refresh_from_db()
            payment = session_payment(booking)
    viewer_tz = viewer_timezone(request, default=booking.client_timezone or booking.owner.timezone)
    clock = viewer_clock(request)
    live = hold_is_live(booking, now)
    return render(request, "payments/session_checkout.html", {
        "booking": booking, "meeting_type": booking.meeting_type, "owner": booking.meeting_type.owner,
        "payment": payment, "code": code, "code_error": code_error, "quote": quote,
        **_session_amounts(payment, quote),
        "provider": get_provider(payment.provider), "live": live,
        "policy": cancellation_policy(window_hours=payment.cancel_window_hours or 0,
                                      late_cancel_refund=payment.late_cancel_refund,
                                      host=booking.meeting_type.owner.display_name or "your host"),
        "start_label": datetime_label(booking.start, viewer_tz, clock),
        # Rounded up: a hold of 15 minutes reads "about 15 minutes" a few seconds later.
        "minutes_left": max(1, math.ceil((booking.hold_expires_at - now).total_seconds() / 60)) if live else 0,
        "hold_until": datetime_label(booking.hold_expires_at, viewer_tz, clock) if live else "",
    })
