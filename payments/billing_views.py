"""Plans pages: the public pricing page and Enterprise contact form, and the owner's
Settings › Plan page with Upgrade (Stripe Checkout or, locally, the test page) and Manage billing
(Stripe's customer portal or the test portal)."""
import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.billing_selectors import plan_overview
from accounts.models import User
from accounts.plans import BillingInterval, Plan, plan_cards
from leadmonk.throttle import throttle_post
from payments.billing_forms import EnterpriseContactForm, UpgradeForm
from payments.providers.base import PaymentError
from payments.providers.sandbox.billing import test_billing_available, test_subscription_for
from payments.providers.stripe import billing as stripe_billing

logger = logging.getLogger(__name__)

SESSION_ID_RE = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")
NOT_SET_UP = "Upgrades are not set up on this site yet. Please contact us and we will change your plan."


def pricing(request: HttpRequest) -> HttpResponse:
    current = request.user.plan if request.user.is_authenticated else None
    return render(request, "billing/pricing.html", {"cards": plan_cards(current), "intervals": BillingInterval})


@require_http_methods(["GET", "POST"])
@throttle_post("sales_contact")
def enterprise_contact(request: HttpRequest) -> HttpResponse:
    """Enterprise is sold by people: the form emails the site's staff."""
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.display_name, "email": request.user.email}
    form = EnterpriseContactForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            recipients = [settings.SALES_EMAIL] if settings.SALES_EMAIL else list(
                User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
            )
            body = (
                f"Enterprise enquiry from the pricing page\n\nName: {data['name']}\nEmail: {data['email']}\n"
                f"Company: {data['company']}\nPeople: {data['seats'] or 'not said'}\n\n{data['message']}\n"
            )
            try:
                send_mail(
                    f"Enterprise enquiry: {data['company']}"[:150], body, None,
                    recipients or [settings.DEFAULT_FROM_EMAIL],
                )
            except Exception:  # noqa: BLE001 - any mail failure: say so, keep what they typed
                logger.exception("enterprise contact email failed")
                messages.error(request, "Your message could not be sent just now. Please try again in a moment.")
                return render(request, "billing/contact.html", {"form": form}, status=503)
            messages.success(request, f"Thank you. We will reply to {data['email']} within one business day.")
            return redirect("billing:pricing")
        messages.error(request, "Please correct the errors below. Nothing was sent.")
    return render(request, "billing/contact.html", {"form": form})


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    overview = plan_overview(request.user)
    return render(request, "billing/plan.html", {
        "overview": overview,
        "subscription": overview.subscription,
        "cards": [card for card in plan_cards(request.user.plan) if card["plan"] != Plan.FREE],
        "intervals": BillingInterval,
    })


@login_required
@require_POST
def upgrade(request: HttpRequest) -> HttpResponse:
    form = UpgradeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("billing:plan")
    plan_choice, interval = form.cleaned_data["plan"], form.cleaned_data["interval"]
    overview = plan_overview(request.user)
    if overview.has_live_subscription:
        messages.info(request, "You already have a subscription: change its plan under “Manage billing”.")
        return redirect("billing:plan")
    if stripe_billing.billing_configured(plan_choice, interval):
        try:
            return redirect(stripe_billing.checkout_start(owner=request.user, plan=plan_choice, interval=interval))
        except PaymentError as error:
            messages.error(request, error.message)
            return redirect("billing:plan")
    if test_billing_available():
        return redirect(f"{reverse('billing:test_checkout')}?plan={plan_choice}&interval={interval}")
    messages.error(request, NOT_SET_UP)
    return redirect("billing:plan")


@login_required
@require_POST
def manage(request: HttpRequest) -> HttpResponse:
    if test_billing_available() and test_subscription_for(request.user) is not None:
        return redirect("billing:test_portal")
    if not settings.STRIPE_SECRET_KEY:
        messages.error(request, NOT_SET_UP)
        return redirect("billing:plan")
    try:
        return redirect(stripe_billing.portal_url(owner=request.user))
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("billing:plan")


@login_required
def checkout_return(request: HttpRequest) -> HttpResponse:
    """Back from Stripe Checkout: the session is read back from Stripe (the query string is only a
    pointer, and must be the owner's own session)."""
    session_id = request.GET.get("session_id", "")
    if not settings.STRIPE_SECRET_KEY or not SESSION_ID_RE.match(session_id):
        return redirect("billing:plan")
    try:
        plan_choice = stripe_billing.checkout_return(owner=request.user, session_id=session_id)
    except PaymentError as error:
        messages.info(request, error.message)
        return redirect("billing:plan")
    if plan_choice:
        messages.success(request, f"Thank you! You are on the {Plan(plan_choice).label} plan.")
    return redirect("billing:plan")
