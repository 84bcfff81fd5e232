"""Writes of self-serve plans: apply a subscription state read from Stripe (or the test page),
re-derive the owner's plan from it, and let staff set a plan by hand.

`User.plan` stays the one field the product reads (packages, booking pages); it is derived here
from the `Subscription` row, under the owner's row lock (lock order: user, then subscription).
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.billing import (
    IllegalSubscriptionMove,
    StaleSubscriptionState,
    SubscriptionState,
    entitlement,
    move_allowed,
    state_version,
    unknown_price_entitlement,
)
from accounts.models import Subscription, User
from accounts.notices import send_unknown_price_email
from accounts.plans import Plan, SubscriptionStatus

logger = logging.getLogger(__name__)


def _locked(owner_id: int) -> tuple[User, Subscription]:
    owner = User.objects.select_for_update().get(pk=owner_id)
    subscription, _created = Subscription.objects.select_for_update().get_or_create(owner=owner)
    return owner, subscription


def _sync(owner: User, subscription: Subscription, now: datetime) -> None:
    """Derive the owner's plan from the subscription (unless staff set the plan since)."""
    if subscription.staff_plan_set_at is not None:
        subscription.review_at = None
        subscription.save(update_fields=["review_at", "updated_at"])
        return
    if subscription.unknown_price_id:
        granted = unknown_price_entitlement(until=subscription.unknown_price_until, now=now)
    else:
        granted = entitlement(
            status=subscription.status, plan=subscription.plan, current_period_end=subscription.current_period_end,
            cancel_at_period_end=subscription.cancel_at_period_end, past_due_since=subscription.past_due_since,
            now=now,
        )
    subscription.review_at = granted.review_at
    subscription.save(update_fields=["review_at", "updated_at"])
    if granted.plan is None:
        return
    if (owner.plan, owner.plan_grace_until) != (granted.plan, granted.grace_until):
        if owner.plan != granted.plan:
            logger.info("owner %s: plan %s -> %s (subscription %s)", owner.pk, owner.plan, granted.plan,
                        subscription.status)
        if subscription.unknown_price_id and owner.plan != granted.plan:
            owner_id, price = owner.pk, subscription.unknown_price_id
            transaction.on_commit(lambda: send_unknown_price_email.delay(owner_id, price), robust=True)
        owner.plan = granted.plan
        owner.plan_grace_until = granted.grace_until
        owner.save(update_fields=["plan", "plan_grace_until"])


def subscription_apply(*, owner_id: int, state: SubscriptionState, now: datetime | None = None) -> Subscription:
    """Store `state` as the owner's subscription and move their plan to follow it.

    Raises StaleSubscriptionState when the stored state is newer (compared on the subscription's
    own timestamps: a later subscription wins over an earlier one; within one subscription the
    later paid period, then the ended one), and IllegalSubscriptionMove for a move out of a
    terminal status. Applying the same state twice changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        owner, subscription = _locked(owner_id)
        same = subscription.stripe_subscription_id == state.subscription_id
        if subscription.stripe_subscription_id and not same:
            if subscription.started_at and state.started_at < subscription.started_at:
                raise StaleSubscriptionState(
                    f"subscription {state.subscription_id} started before "
                    f"the stored {subscription.stripe_subscription_id}"
                )
        if same:
            if state.version() < state_version(subscription.current_period_end, subscription.ended_at):
                raise StaleSubscriptionState(f"an older read of {state.subscription_id} ({state.status})")
            if not move_allowed(subscription.status, state.status):
                raise IllegalSubscriptionMove(
                    f"subscription {state.subscription_id} cannot move from {subscription.status} to {state.status}"
                )
        if subscription.staff_plan_set_at is not None and state.started_at >= subscription.staff_plan_set_at:
            # The owner subscribed after staff set their plan: from now on the subscription decides.
            subscription.staff_plan_set_at = None
        if state.status == SubscriptionStatus.PAST_DUE:
            if not (same and subscription.past_due_since):
                subscription.past_due_since = now
        elif state.status in (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE) or not same:
            subscription.past_due_since = None
        # canceled/unpaid after past_due keep `past_due_since`: the grace end is the paid period's end.
        subscription.stripe_subscription_id = state.subscription_id
        if state.customer_id:
            subscription.stripe_customer_id = state.customer_id
        if state.unknown_price_id:
            # The price grants nothing; the plan stored stays as it was, for the record.
            logger.warning("owner %s: subscription %s is on price %s, which the site does not sell",
                           owner_id, state.subscription_id, state.unknown_price_id)
            if not subscription.unknown_price_id:
                subscription.unknown_price_until = state.current_period_end or now
        else:
            subscription.plan = Plan(state.plan)
            subscription.interval = state.interval
            subscription.unknown_price_until = None
        subscription.unknown_price_id = state.unknown_price_id
        subscription.status = SubscriptionStatus(state.status)
        subscription.started_at = state.started_at
        subscription.current_period_end = state.current_period_end
        subscription.ended_at = state.ended_at
        subscription.cancel_at_period_end = state.cancel_at_period_end
        subscription.is_test = state.is_test
        subscription.save()
        _sync(owner, subscription, now)
    return subscription


def subscription_set_customer(*, owner_id: int, customer_id: str) -> None:
    """Remember the owner's Stripe customer (known once their first Checkout completes)."""
    with transaction.atomic():
        _owner, subscription = _locked(owner_id)
        if subscription.stripe_customer_id != customer_id:
            subscription.stripe_customer_id = customer_id
            subscription.save(update_fields=["stripe_customer_id", "updated_at"])


def subscription_sync(*, owner_id: int, now: datetime | None = None) -> User:
    """Re-derive one owner's plan from their stored subscription (time has passed)."""
    with transaction.atomic():
        owner, subscription = _locked(owner_id)
        _sync(owner, subscription, now or timezone.now())
    return owner


def subscriptions_review_due(*, now: datetime | None = None) -> int:
    """Apply what time alone changes: grace periods and paid periods that are over. Returns how
    many owners were looked at. Run by Celery beat; safe to run twice (the derivation is idempotent)."""
    now = now or timezone.now()
    owner_ids = list(Subscription.objects.filter(review_at__lte=now).values_list("owner_id", flat=True))
    for owner_id in owner_ids:
        subscription_sync(owner_id=owner_id, now=now)
    return len(owner_ids)


def owner_set_plan_by_staff(*, owner_id: int, plan: str, now: datetime | None = None) -> User:
    """A plan set by staff (admin, `manage.py set_plan`): it stays until the owner subscribes
    again, whatever the current subscription reports."""
    now = now or timezone.now()
    with transaction.atomic():
        owner, subscription = _locked(owner_id)
        owner.plan = Plan(plan)
        owner.plan_grace_until = None
        owner.save(update_fields=["plan", "plan_grace_until"])
        subscription.staff_plan_set_at = now
        subscription.review_at = None
        subscription.save(update_fields=["staff_plan_set_at", "review_at", "updated_at"])
    return owner
