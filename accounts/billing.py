"""The rules of self-serve plans: which subscription states give a plan, for how long, and which
moves between states are allowed. Pure functions over plain data; billing_services writes.

Stripe (in payments) reads a subscription and hands it over as a `SubscriptionState`; this app
never imports payments (it is below it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from accounts.plans import Plan, SubscriptionStatus

S = SubscriptionStatus


class BillingError(Exception):
    """A subscription state that cannot be applied; `message` is safe to log or show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleSubscriptionState(BillingError):
    """The state read is older than the one already stored (a late or out-of-order event)."""


class IllegalSubscriptionMove(BillingError):
    """A move Stripe never makes (out of canceled, for example): refused, the row kept."""


# Statuses that end a subscription for good: the same subscription id never leaves them (Stripe
# starts a new subscription instead). Any other move is one Stripe can make.
TERMINAL = {S.CANCELED, S.INCOMPLETE_EXPIRED}
ALLOWED_MOVES: dict[str, set[str]] = {
    status: ({status} if status in TERMINAL else set(S.values) - {S.NONE}) for status in S.values
}


def move_allowed(current: str, target: str) -> bool:
    return target in ALLOWED_MOVES[current]


@dataclass(frozen=True)
class SubscriptionState:
    """A subscription as read from Stripe (or built by the test page), in plain data."""

    subscription_id: str
    customer_id: str
    plan: str
    interval: str
    status: str
    started_at: datetime
    current_period_end: datetime | None
    cancel_at_period_end: bool = False
    ended_at: datetime | None = None
    is_test: bool = False
    # A price the site does not sell (neither today's nor an earlier one): `plan` is then not read.
    unknown_price_id: str = ""

    def version(self) -> tuple:
        return state_version(self.current_period_end, self.ended_at)


def state_version(current_period_end: datetime | None, ended_at: datetime | None) -> tuple:
    """What orders two reads of one subscription: its paid period only moves forward, and once it
    has ended it never starts again. Equal versions (a card fixed within the period) apply in the
    order they arrive."""
    return (current_period_end.timestamp() if current_period_end else 0, ended_at is not None)


def grace_period() -> timedelta:
    return timedelta(days=settings.BILLING_GRACE_DAYS)


@dataclass(frozen=True)
class Entitlement:
    """What a subscription gives at one moment. `plan` None: the subscription does not decide
    (it never started), the owner keeps the plan they have."""

    plan: str | None
    # The next moment the answer changes by time alone, if any.
    review_at: datetime | None = None
    # Set while a failed payment is in its grace period.
    grace_until: datetime | None = None


def entitlement(*, status: str, plan: str, current_period_end: datetime | None, cancel_at_period_end: bool,
                past_due_since: datetime | None, now: datetime) -> Entitlement:
    """trialing/active give the plan (until the period end when cancelled at period end);
    past_due keeps it for the grace period; canceled/unpaid keep it until the end of the paid
    period (the grace end if the last period was never paid); anything else is Free."""
    if status in (S.NONE, S.INCOMPLETE):
        return Entitlement(plan=None)
    if status in (S.TRIALING, S.ACTIVE):
        if cancel_at_period_end and current_period_end is not None:
            if now >= current_period_end:
                return Entitlement(plan=Plan.FREE)
            return Entitlement(plan=plan, review_at=current_period_end)
        return Entitlement(plan=plan)
    if status == S.PAST_DUE:
        until = (past_due_since or now) + grace_period()
        if now < until:
            return Entitlement(plan=plan, review_at=until, grace_until=until)
        return Entitlement(plan=Plan.FREE)
    if status in (S.CANCELED, S.UNPAID):
        paid_until = (past_due_since + grace_period()) if past_due_since else current_period_end
        if paid_until is not None and now < paid_until:
            return Entitlement(plan=plan, review_at=paid_until)
        return Entitlement(plan=Plan.FREE)
    return Entitlement(plan=Plan.FREE)  # paused, incomplete_expired


def unknown_price_entitlement(*, until: datetime | None, now: datetime) -> Entitlement:
    """A subscription on a price the site does not sell grants no plan: the owner keeps the plan
    they have `until` the period paid when the price was first seen ends, then Free, like any
    ended subscription."""
    if until is not None and now < until:
        return Entitlement(plan=None, review_at=until)
    return Entitlement(plan=Plan.FREE)
