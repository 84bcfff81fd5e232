"""Stripe endpoints: the webhook, and the owner's Stripe Connect onboarding."""
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.connections import connection_save
from payments.models import Provider
from payments.providers.base import PaymentError, get_provider
from payments.providers.stripe.provider import site_url

ACCOUNT_ID_RE = re.compile(r"^acct_[A-Za-z0-9]{6,64}$")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    return get_provider(Provider.STRIPE).handle_webhook(request)


def _settings_url() -> str:
    return reverse("accounts:settings") + "#payments"


@login_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    """Start (or resume) Stripe Connect onboarding; in DEBUG without keys, save a typed acct id."""
    provider = get_provider(Provider.STRIPE)
    if provider.is_configured():
        try:
            url = provider.connect_onboarding_link(
                request.user,
                refresh_url=site_url(reverse("payments_dashboard:stripe_connect_refresh")),
                return_url=site_url(reverse("payments_dashboard:stripe_connect_return")),
            )
        except PaymentError as error:
            messages.error(request, error.message)
            return redirect(_settings_url())
        return redirect(url)
    account_id = request.POST.get("account_id", "").strip()
    if not settings.DEBUG:
        messages.error(request, "Stripe is not set up on this site yet.")
    elif not ACCOUNT_ID_RE.match(account_id):
        messages.error(request, "Enter a Stripe account ID that starts with acct_, like acct_1A2b3C4d5E6f.")
    else:
        connection_save(owner=request.user, provider=Provider.STRIPE, account_id=account_id, is_active=True)
        messages.success(request, "Stripe is connected.")
    return redirect(_settings_url())


@login_required
def connect_return(request: HttpRequest) -> HttpResponse:
    """Stripe sends the owner back here after onboarding; the account is read back from Stripe."""
    try:
        active = get_provider(Provider.STRIPE).connect_refresh(request.user)
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect(_settings_url())
    if active:
        messages.success(request, "Stripe is connected. Your clients' payments go to your Stripe account.")
    else:
        messages.warning(
            request, "Stripe needs a few more details before you can take payments. Choose “Continue Stripe setup”."
        )
    return redirect(_settings_url())


@login_required
def connect_refresh(request: HttpRequest) -> HttpResponse:
    """Stripe's onboarding link expired: send the owner back to settings to get a fresh one."""
    messages.info(request, "The Stripe setup link expired. Choose “Continue Stripe setup” to carry on.")
    return redirect(_settings_url())
