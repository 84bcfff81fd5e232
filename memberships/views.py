"""Membership pages and buttons: the client's pause, resume, cancel, keep and (test provider) pay
from their order page or the client portal, reached through the order's token; the owner's Members
page with its filter and monthly recurring revenue, and the test provider's "Renew now" and
"Fail renewal"."""
from datetime import UTC

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from leadmonk.languages import date_formats, use_page_language
from leadmonk.languages import translatable as _
from memberships import selectors, services
from memberships.models import MembershipStatus, PackageMembership
from orders.selectors import order_for_token


def _membership_for_token(token: str) -> PackageMembership:
    order = order_for_token(token=token)
    membership = selectors.membership_of_order(order_id=order.pk) if order is not None else None
    if membership is None:
        raise Http404("No such membership.")
    membership.order = order
    use_page_language(order.owner)  # the client's buttons answer in the order page's language
    return membership


def _client_next(request: HttpRequest, membership: PackageMembership) -> str:
    """Back where the client pressed the button: the portal, or the order page."""
    if request.POST.get("next") == reverse("portal:home"):
        return reverse("portal:home")
    return reverse("order_details:detail", args=[membership.order.token]) + "#membership"


def _date(value, membership: PackageMembership) -> str:
    return dateformat.format(timezone.localtime(value, services.zone_of(membership.order.client_timezone)),
                             date_formats()["day_month_year"])


@require_POST
def client_action(request: HttpRequest, token: str, action: str) -> HttpResponse:
    """Pause, resume, cancel or keep (take a cancellation back) the membership of the order `token`."""
    membership = _membership_for_token(token)
    try:
        if action == "pause":
            services.membership_pause(membership_id=membership.pk)
            messages.success(request, _("Your membership is paused: nothing is charged until you resume it. "
                                        "Your sessions stay."))
        elif action == "resume":
            services.membership_resume(membership_id=membership.pk)
            messages.success(request, _("Your membership is running again."))
        elif action == "cancel":
            membership = services.membership_cancel(membership_id=membership.pk)
            if membership.status == MembershipStatus.CANCELLED:
                messages.success(request, _("Your membership is cancelled. Nothing more will be charged."))
            else:
                messages.success(request, _("Your membership cancels on %(day)s. Nothing more will be charged; "
                                            "your sessions stay until then.")
                                 % {"day": _date(membership.cancel_at, membership)})
        elif action == "keep":
            services.membership_keep(membership_id=membership.pk)
            messages.success(request, _("Your membership continues: it renews as before."))
        else:
            raise Http404("No such action.")
    except services.MembershipError as error:
        messages.error(request, error.message)
    return redirect(_client_next(request, membership))


@require_POST
def client_pay(request: HttpRequest, token: str) -> HttpResponse:
    """"Pay now" of a past-due test-provider membership: the failed renewal is charged locally."""
    membership = _membership_for_token(token)
    if not settings.TEST_PAYMENTS_ENABLED or membership.provider != services.TEST_PROVIDER:
        raise Http404("Pay through the link of your payment provider.")
    if membership.status != MembershipStatus.PAST_DUE:
        messages.info(request, _("Nothing is due on this membership."))
        return redirect(_client_next(request, membership))
    try:
        services.membership_renew_locally(membership_id=membership.pk, period_start=membership.current_period_end)
    except services.MembershipError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Paid. Your membership is active again and you can book your sessions."))
    return redirect(_client_next(request, membership))


# -- the owner's pages ----------------------------------------------------------------------------


@login_required
def members_page(request: HttpRequest) -> HttpResponse:
    """Dashboard › Members: the owner's memberships by state, and the monthly recurring revenue."""
    state = request.GET.get("state", "")
    if state not in selectors.STATE_FILTERS:
        state = ""
    members = list(selectors.members_for_owner(owner=request.user, state=state))
    return render(request, "memberships/members.html", {
        "members": members, "state": state, "states": [
            ("", "All"), ("active", "Active"), ("past_due", "Past due"), ("paused", "Paused"),
            ("cancelled", "Cancelled")],
        "revenue": selectors.monthly_recurring_revenue(owner=request.user),
        "test_payments": settings.TEST_PAYMENTS_ENABLED, "test_provider": services.TEST_PROVIDER,
        "zone": request.user.timezone or "UTC",
    })


def _owner_membership(request: HttpRequest, pk: int) -> PackageMembership:
    membership = PackageMembership.objects.filter(owner=request.user, pk=pk).select_related("order").first()
    if membership is None:
        raise Http404("No such membership.")
    return membership


def _owner_next(request: HttpRequest) -> str:
    next_url = request.POST.get("next", "")
    if next_url.startswith("/dashboard/") and "//" not in next_url:
        return next_url
    return reverse("memberships:list")


@login_required
@require_POST
def renew_now(request: HttpRequest, pk: int) -> HttpResponse:
    """The test provider's "Renew now": charge the next period at once. The form names the period
    it showed, so a double click renews it once."""
    membership = _owner_membership(request, pk)
    if not settings.TEST_PAYMENTS_ENABLED or membership.provider != services.TEST_PROVIDER:
        raise Http404("Only test-provider memberships renew here.")
    try:
        period_start = parse_datetime(request.POST.get("period_start", ""))
        # The form sends the period's UTC time; a naive one is refused below.
        if period_start is not None and not timezone.is_naive(period_start):
            period_start = period_start.astimezone(UTC)
    except (ValueError, OverflowError):  # no such date (month 13), or none in UTC (year 1 at +05:00)
        period_start = None
    # Only the period the page showed: the next one, or one renewed meanwhile (a double click, said
    # so below). Any other time would start a period of its own.
    if (period_start is None or timezone.is_naive(period_start)
            or (period_start != membership.current_period_end
                and not membership.periods.filter(starts_at=period_start).exists())):
        messages.error(request, "Reload the page and press “Renew now” again.")
        return redirect(_owner_next(request))
    try:
        renewal = services.membership_renew_locally(membership_id=membership.pk, period_start=period_start)
    except services.MembershipError as error:
        messages.error(request, error.message)
    else:
        if renewal.renewed:
            messages.success(request, f"Renewed: {membership.order.client_name}'s new period has started.")
        elif renewal.membership.status == MembershipStatus.CANCELLED:
            messages.info(request, f"{membership.order.client_name}'s membership had been cancelled: it has ended.")
        else:
            messages.info(request, "That period was renewed already.")
    return redirect(_owner_next(request))


@login_required
@require_POST
def fail_renewal(request: HttpRequest, pk: int) -> HttpResponse:
    """The test provider's "Fail renewal": the next period's charge fails (the client is emailed)."""
    membership = _owner_membership(request, pk)
    if not settings.TEST_PAYMENTS_ENABLED or membership.provider != services.TEST_PROVIDER:
        raise Http404("Only test-provider memberships fail here.")
    membership = services.membership_fail(membership_id=membership.pk)
    if membership.status == MembershipStatus.PAST_DUE:
        messages.success(request, f"The renewal failed: {membership.order.client_name} is past due and was emailed.")
    else:
        messages.info(request, "Only an active membership's renewal can fail.")
    return redirect(_owner_next(request))
