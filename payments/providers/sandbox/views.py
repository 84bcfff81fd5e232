"""The test provider's checkout page: "Pay" and "Fail" go through the same services as real
providers."""
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from payments.models import Payment, PaymentStatus, Provider
from payments.providers.base import get_provider


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, token: str) -> HttpResponse:
    if not settings.TEST_PAYMENTS_ENABLED:
        raise Http404
    payment = get_object_or_404(Payment.objects.select_related("order__owner", "booking__meeting_type__owner"),
                                token=token, provider=Provider.TEST)
    provider = get_provider(Provider.TEST)
    if request.method == "POST" and payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING):
        action = request.POST.get("action")
        if action == "pay":
            provider.pay(payment)
            return redirect("payments:return", token=payment.token)
        if action == "fail":
            provider.fail(payment)
            messages.error(request, "The test payment failed. Nothing was charged.")
            if payment.booking_id is not None:
                return redirect("payments:session_checkout", booking_token=payment.booking.token)
            return redirect("payments:checkout", order_token=payment.order.token)
        messages.error(request, "Choose “Pay” or “Fail”.")
    if payment.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
        return redirect("payments:return", token=payment.token)
    return render(request, "payments/test/checkout.html", {"payment": payment, "order": payment.order})
