"""The test subscription page and test billing portal: in development (TEST_BILLING_ENABLED) on a
site where Stripe Billing is not configured, they build the subscription states Stripe would send
and apply them through the same service, so the whole upgrade, cancel and failed-payment flow runs
locally. No money moves."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.billing import BillingError, SubscriptionState
from accounts.billing_services import subscription_apply
from accounts.models import Subscription, User
from accounts.plans import BillingInterval, SubscriptionStatus
from payments.providers.stripe.billing import stripe_billing_configured

PERIOD = {BillingInterval.MONTH: timedelta(days=30), BillingInterval.YEAR: timedelta(days=365)}


class TestPortalAction:
    CANCEL = "cancel"
    RESUME = "resume"
    PAYMENT_FAILS = "payment_fails"
    PAY = "pay"
    SWITCH = "switch"


def test_billing_available() -> bool:
    """The test pages exist only where Stripe does not sell plans: with Stripe configured, a
    free Team plan through them would be a way round paying."""
    return bool(settings.TEST_BILLING_ENABLED) and not stripe_billing_configured()


def test_subscription_for(owner: User) -> Subscription | None:
    return Subscription.objects.filter(owner=owner, is_test=True).first()


def test_subscribe(*, owner: User, plan: str, interval: str) -> Subscription:
    """What Stripe reports after a completed Checkout: trialing on a first subscription when a
    trial is configured, active otherwise."""
    now = timezone.now()
    had_one = Subscription.objects.filter(owner=owner).exclude(stripe_subscription_id="").exists()
    trial = settings.BILLING_TRIAL_DAYS and not had_one
    state = SubscriptionState(
        subscription_id=f"sub_test_{owner.pk}_{int(now.timestamp())}",
        customer_id=f"cus_test_{owner.pk}",
        plan=plan,
        interval=interval,
        status=SubscriptionStatus.TRIALING if trial else SubscriptionStatus.ACTIVE,
        started_at=now,
        current_period_end=now + (timedelta(days=settings.BILLING_TRIAL_DAYS) if trial else PERIOD[interval]),
        is_test=True,
    )
    return subscription_apply(owner_id=owner.pk, state=state, now=now)


def test_portal_act(*, subscription: Subscription, action: str, plan: str = "") -> Subscription:
    """One button of the test portal, as the state Stripe would report after it."""
    period_over = subscription.current_period_end is not None and timezone.now() >= subscription.current_period_end
    if subscription.cancel_at_period_end and period_over:
        # Stripe would have ended it at the period end: a new subscription is needed.
        raise BillingError("This test subscription has ended. Choose a plan again on the Plan page.")
    state = SubscriptionState(
        subscription_id=subscription.stripe_subscription_id,
        customer_id=subscription.stripe_customer_id,
        plan=subscription.plan,
        interval=subscription.interval,
        status=subscription.status,
        started_at=subscription.started_at,
        current_period_end=subscription.current_period_end,
        cancel_at_period_end=subscription.cancel_at_period_end,
        ended_at=subscription.ended_at,
        is_test=True,
    )
    if action == TestPortalAction.CANCEL:
        state = replace(state, cancel_at_period_end=True)
    elif action == TestPortalAction.RESUME:
        state = replace(state, cancel_at_period_end=False)
    elif action == TestPortalAction.PAYMENT_FAILS:
        state = replace(state, status=SubscriptionStatus.PAST_DUE)
    elif action == TestPortalAction.PAY:
        state = replace(state, status=SubscriptionStatus.ACTIVE)
    elif action == TestPortalAction.SWITCH:
        state = replace(state, plan=plan)
    else:
        raise BillingError("Choose one of the buttons.")
    return subscription_apply(owner_id=subscription.owner_id, state=state)
