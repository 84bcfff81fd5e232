"""The client's buttons of a payment plan on their order page (reached by the order's token):
"Pay now" (a failed instalment), "Pay the rest now", and with the test provider "Fail the next
instalment" and "Charge the next instalment now". Each POSTs, then goes to the provider's checkout
or back to the order page."""
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from instalments import services
from orders.public_views import order_for_token_or_404
from payments.models import PaymentStatus
from payments.providers.base import PaymentError
from payments.views import provider_for_order


def _back(order) -> HttpResponse:
    return redirect(services.pay_url(order))


def _pay(request: HttpRequest, token: str, number: int | None) -> HttpResponse:
    order = order_for_token_or_404(token)
    provider = provider_for_order(order)
    if provider is None:
        messages.error(request, "Online payment is not available for this order; please contact your host.")
        return _back(order)
    try:
        payment = services.plan_pay_start(order=order, provider=provider.identifier, number=number)
        url = payment.checkout_url or provider.start_checkout(payment, request)
    except services.PlanError as error:
        messages.error(request, error.message)
        return _back(order)
    except PaymentError as error:
        messages.error(request, error.message)
        return _back(order)
    return redirect(url)


@require_POST
def pay_instalment(request: HttpRequest, token: str, number: int) -> HttpResponse:
    return _pay(request, token, number)


@require_POST
def pay_rest(request: HttpRequest, token: str) -> HttpResponse:
    return _pay(request, token, None)


def _require_test_payments() -> None:
    if not settings.TEST_PAYMENTS_ENABLED:
        raise Http404


@require_POST
def test_fail_next(request: HttpRequest, token: str) -> HttpResponse:
    _require_test_payments()
    order = order_for_token_or_404(token)
    try:
        services.plan_fail_next_charge(order=order)
    except services.PlanError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "The next instalment will fail (test provider).")
    return _back(order)


@require_POST
def test_charge_next(request: HttpRequest, token: str) -> HttpResponse:
    _require_test_payments()
    order = order_for_token_or_404(token)
    try:
        payment = services.plan_charge_next_now(order=order)
    except services.PlanError as error:
        messages.error(request, error.message)
    else:
        if payment is not None:
            if payment.status == PaymentStatus.CONFIRMED:
                messages.success(request, "The instalment was charged (test provider).")
            else:
                messages.error(request, "The instalment failed (test provider).")
    return _back(order)
