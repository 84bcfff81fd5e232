"""The client's side of paying: the checkout page of an order and the return page that waits for
the provider's confirmation."""
import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from leadmonk.languages import translatable as _
from leadmonk.languages import use_page_language
from leadmonk.money import format_money
from orders.models import OrderStatus, PackageOrder
from orders.public_views import announce_payment_received, client_order_url
from payments import services
from payments.connections import MEDIUM_PROVIDERS
from payments.models import Payment, PaymentStatus, Provider
from payments.providers.base import PaymentError, PaymentProvider, get_provider
from scheduling.holds import hold_is_live
from scheduling.models import BookingStatus

logger = logging.getLogger(__name__)


def provider_for_order(order: PackageOrder) -> PaymentProvider | None:
    """The order's Payment Medium when it can take payments for this owner; else the test
    provider when it is on; else None."""
    if order.payment_medium in MEDIUM_PROVIDERS:
        provider = get_provider(order.payment_medium)
        if provider.is_available(order.owner):
            return provider
    test_provider = get_provider(Provider.TEST)
    return test_provider if test_provider.is_configured() else None


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, order_token: str) -> HttpResponse:
    order = get_object_or_404(PackageOrder.objects.select_related("owner"), token=order_token)
    use_page_language(order.owner)
    if order.status == OrderStatus.ACTIVE:
        return redirect(client_order_url(order))
    context = {"order": order, "provider": None, "closed": order.status != OrderStatus.PENDING_PAYMENT}
    if not context["closed"]:
        context["provider"] = provider_for_order(order)
    if request.method == "POST" and context["provider"] is not None:
        provider = context["provider"]
        try:
            payment = services.payment_start(order=order, provider=provider.identifier)
            # A checkout started a moment ago (double click, back button) is reused.
            url = payment.checkout_url or provider.start_checkout(payment, request)
        except PaymentError as error:
            messages.error(request, error.message)
        else:
            return redirect(url)
    return render(request, "payments/checkout.html", context)


def payment_return(request: HttpRequest, token: str) -> HttpResponse:
    """Where the provider sends the client back. The state is read back from the provider (never
    from the query string); until the money is confirmed the page says so and refreshes itself."""
    payment = get_object_or_404(Payment.objects.select_related("order__owner", "booking__meeting_type__owner"),
                                token=token)
    use_page_language(payment.booking.meeting_type.owner if payment.booking_id else payment.order.owner)
    cancelled = "cancelled" in request.GET
    if payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING) and not cancelled:
        try:
            get_provider(payment.provider).handle_return(payment, request)
        except PaymentError as error:
            logger.warning("return of payment %s: %s", payment.pk, error.message)
            messages.warning(
                request,
                _("We could not reach %(provider)s to confirm your payment yet. "
                  "This page checks again by itself; you will not be charged twice.")
                % {"provider": get_provider(payment.provider).verbose_name},
            )
        payment = Payment.objects.select_related("order__owner", "booking__meeting_type__owner").get(pk=payment.pk)
    if payment.booking_id is not None:
        return _session_return(request, payment, cancelled=cancelled)
    order = payment.order
    if payment.status == PaymentStatus.CONFIRMED and not payment.flagged and order.status == OrderStatus.ACTIVE:
        announce_payment_received(request, order)
        return redirect(client_order_url(order))
    state = _return_state(payment, cancelled=cancelled)
    can_retry = order.status == OrderStatus.PENDING_PAYMENT and state in ("failed", "cancelled")
    return render(request, "payments/return.html", {
        "payment": payment, "order": order, "state": state, "can_retry": can_retry,
    })


def _return_state(payment: Payment, *, cancelled: bool) -> str:
    """What the return page says happened to a payment that has not (yet) gone through: the same
    for a package order's payment and a paid session's."""
    if payment.flagged:
        return "flagged"
    if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
        return "failed"
    if cancelled and payment.status == PaymentStatus.CREATED:
        return "cancelled"
    if payment.status == PaymentStatus.REFUNDED:
        return "refunded"
    return "processing"


def _session_return(request: HttpRequest, payment: Payment, *, cancelled: bool) -> HttpResponse:
    """The return page of a paid session: to the booking once it is confirmed; else what happened."""
    booking = payment.booking
    if payment.status == PaymentStatus.CONFIRMED and not payment.flagged and booking.status == BookingStatus.CONFIRMED:
        messages.success(request, _("Payment received: %(amount)s.")
                         % {"amount": format_money(payment.amount, payment.currency)})
        return redirect(reverse("bookings:manage", args=[booking.token]) + "?booked=1")
    state = _return_state(payment, cancelled=cancelled)
    return render(request, "payments/session_return.html", {
        "payment": payment, "booking": booking, "meeting_type": booking.meeting_type,
        "owner": booking.meeting_type.owner, "state": state,
        "can_retry": state == "cancelled" and hold_is_live(booking, timezone.now()),
    })
