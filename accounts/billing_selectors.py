"""Reads of self-serve plans: what the Settings › Plan page and the plan notices show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.billing import entitlement
from accounts.models import Subscription, User
from accounts.plans import SubscriptionStatus

LIVE = {SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID, SubscriptionStatus.PAUSED, SubscriptionStatus.INCOMPLETE}


@dataclass(frozen=True)
class PlanOverview:
    subscription: Subscription | None
    # The subscription can still be changed or cancelled (the portal, not a new Checkout).
    has_live_subscription: bool
    # The plan was set by staff and no subscription started since decides it.
    set_by_staff: bool
    # When the plan ends (cancelled, or a payment failed) or renews, if known.
    ends_at: datetime | None
    renews_at: datetime | None
    # Stripe customer known: "Manage billing" can open the customer portal.
    can_manage: bool
    # What the Plan page says of the subscription, one of PLAN_STATES (its sentence, in the
    # template), and its badge: one reading per Stripe status, worded as Stripe's portal words it.
    state: str = ""
    status_label: str = ""


# The Plan page's sentence for each state a subscription can be in (templates/billing/plan.html):
# "trial" and "renews" (running), "cancels" (running, cancelled at the period end), "grace" (past
# due, the plan kept while Stripe retries), "unpaid" (Stripe stopped retrying; the plan kept to the
# end of what was paid), "lapsed_past_due"/"lapsed_unpaid" (the same once the plan fell back to
# Free: paying brings it back), "canceled" (ended, the paid period still running), "ended",
# "paused", "incomplete" (the first payment not completed yet), "expired" (it never was).
PLAN_STATES = ("trial", "renews", "cancels", "grace", "unpaid", "lapsed_past_due", "lapsed_unpaid", "canceled",
               "ended", "paused", "incomplete", "expired")


def _plan_state(subscription: Subscription, *, plan_kept: bool, now: datetime) -> str:
    status = subscription.status
    S = SubscriptionStatus
    if status in (S.TRIALING, S.ACTIVE):
        if subscription.cancel_at_period_end:
            over = subscription.current_period_end is not None and now >= subscription.current_period_end
            return "ended" if over else "cancels"
        return "trial" if status == S.TRIALING else "renews"
    if status == S.PAST_DUE:
        return "grace" if plan_kept else "lapsed_past_due"
    if status == S.UNPAID:
        return "unpaid" if plan_kept else "lapsed_unpaid"
    if status == S.CANCELED:
        return "canceled" if plan_kept else "ended"
    return {S.PAUSED: "paused", S.INCOMPLETE: "incomplete", S.INCOMPLETE_EXPIRED: "expired"}.get(status, "")


def subscription_for_owner(owner: User) -> Subscription | None:
    return Subscription.objects.filter(owner=owner).first()


def plan_overview(owner: User, *, now: datetime | None = None) -> PlanOverview:
    now = now or timezone.now()
    subscription = subscription_for_owner(owner)
    if subscription is None:
        return PlanOverview(None, False, False, None, None, False)
    live = subscription.status in LIVE and not (
        subscription.cancel_at_period_end and subscription.current_period_end and now >= subscription.current_period_end
    )
    granted = entitlement(
        status=subscription.status, plan=subscription.plan, current_period_end=subscription.current_period_end,
        cancel_at_period_end=subscription.cancel_at_period_end, past_due_since=subscription.past_due_since, now=now,
    )
    renews = None
    running = subscription.status in (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE)
    if running and not subscription.cancel_at_period_end:
        renews = subscription.current_period_end
    ends_at = granted.review_at if granted.plan and granted.plan != "free" and granted.review_at else None
    plan_kept = bool(granted.plan and granted.plan != "free")
    state = _plan_state(subscription, plan_kept=plan_kept, now=now)
    return PlanOverview(
        subscription=subscription,
        has_live_subscription=live,
        set_by_staff=subscription.staff_plan_set_at is not None,
        ends_at=ends_at,
        renews_at=renews,
        can_manage=bool(subscription.stripe_customer_id),
        state=state,
        # A period cancelled at its end that is over reads "Cancelled" before Stripe's event says so.
        status_label=SubscriptionStatus.CANCELED.label if state == "ended" else subscription.get_status_display(),
    )
