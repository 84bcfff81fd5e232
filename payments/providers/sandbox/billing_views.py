"""The test subscription page and the test billing portal (only where `test_billing_available()`)."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.billing import BillingError
from accounts.billing_selectors import plan_overview
from accounts.plans import PLAN_PRICES_USD, Plan
from payments.billing_forms import SwitchPlanForm, UpgradeForm
from payments.providers.sandbox.billing import (
    TestPortalAction,
    test_billing_available,
    test_portal_act,
    test_subscribe,
    test_subscription_for,
)


def _require_test_billing() -> None:
    if not test_billing_available():
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest) -> HttpResponse:
    _require_test_billing()
    form = UpgradeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, "Choose a plan and how often to pay.")
        return redirect("billing:plan")
    if plan_overview(request.user).has_live_subscription:
        messages.info(request, "You already have a subscription: change its plan under “Manage billing”.")
        return redirect("billing:plan")
    plan, interval = form.cleaned_data["plan"], form.cleaned_data["interval"]
    if request.method == "POST":
        subscription = test_subscribe(owner=request.user, plan=plan, interval=interval)
        trial = " Your free trial has started." if subscription.status == "trialing" else ""
        messages.success(request, f"You are on the {Plan(plan).label} plan (test subscription, no real money).{trial}")
        return redirect("billing:plan")
    return render(request, "billing/test_checkout.html", {
        "plan": Plan(plan), "interval": interval, "price": PLAN_PRICES_USD[plan][interval],
        "trial_days": settings.BILLING_TRIAL_DAYS,
    })


@login_required
@require_http_methods(["GET", "POST"])
def test_portal(request: HttpRequest) -> HttpResponse:
    _require_test_billing()
    subscription = test_subscription_for(request.user)
    if subscription is None:
        messages.info(request, "You have no test subscription. Choose a plan first.")
        return redirect("billing:plan")
    if request.method == "POST":
        action = request.POST.get("action", "")
        plan = ""
        if action == TestPortalAction.SWITCH:
            form = SwitchPlanForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose the Pro or Team plan.")
                return redirect("billing:test_portal")
            plan = form.cleaned_data["plan"]
        try:
            test_portal_act(subscription=subscription, action=action, plan=plan)
        except BillingError as error:
            messages.error(request, error.message)
            return redirect("billing:test_portal")
        messages.success(request, "Done (test portal, no real money).")
        return redirect("billing:test_portal")
    return render(request, "billing/test_portal.html", {
        "subscription": subscription, "overview": plan_overview(request.user), "actions": TestPortalAction,
    })
