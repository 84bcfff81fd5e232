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
    return PlanOverview(
        subscription=subscription,
        has_live_subscription=live,
        set_by_staff=subscription.staff_plan_set_at is not None,
        ends_at=granted.review_at if granted.plan and granted.plan != "free" and granted.review_at else None,
        renews_at=renews,
        can_manage=bool(subscription.stripe_customer_id),
    )
