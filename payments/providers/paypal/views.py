"""PayPal endpoints: the webhook, and the owner's PayPal connection (merchant email as payee)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.connections import connection_save
from payments.forms import PayPalConnectForm
from payments.models import Provider
from payments.providers.base import get_provider


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    return get_provider(Provider.PAYPAL).handle_webhook(request)


@login_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    form = PayPalConnectForm(request.POST)
    if form.is_valid():
        connection_save(
            owner=request.user, provider=Provider.PAYPAL,
            email=form.cleaned_data["email"], account_id=form.cleaned_data["merchant_id"], is_active=True,
        )
        messages.success(request, "PayPal is connected. Your clients' PayPal payments go to that account.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("accounts:settings") + "#payments")
