"""Plans and what each includes. The one place that answers 'does this plan have packages?'."""
from decimal import Decimal

from django.db import models


class Plan(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"
    TEAM = "team", "Team"
    ENTERPRISE = "enterprise", "Enterprise"


# Ordered from lowest to highest; paid single sessions are a feature of Pro and above, packages of
# Team and above.
PLAN_ORDER = [Plan.FREE, Plan.PRO, Plan.TEAM, Plan.ENTERPRISE]


def plan_includes_packages(plan: str) -> bool:
    return plan in PLAN_ORDER and PLAN_ORDER.index(Plan(plan)) >= PLAN_ORDER.index(Plan.TEAM)


def plan_includes_paid_sessions(plan: str) -> bool:
    """Paid single sessions (a price on a meeting type) are a feature of Pro and above."""
    return plan in PLAN_ORDER and PLAN_ORDER.index(Plan(plan)) >= PLAN_ORDER.index(Plan.PRO)


def plan_includes_sms(plan: str) -> bool:
    """SMS to clients (reminders, a waitlist's offer) are a feature of Pro and above; email is on
    every plan."""
    return plan in PLAN_ORDER and PLAN_ORDER.index(Plan(plan)) >= PLAN_ORDER.index(Plan.PRO)


class BillingInterval(models.TextChoices):
    MONTH = "month", "Monthly"
    YEAR = "year", "Yearly"


class SubscriptionStatus(models.TextChoices):
    """Stripe's subscription statuses, plus NONE for an owner who never subscribed."""

    NONE = "none", "No subscription"
    # Labels as Stripe's customer portal shows them in British English, the product's (the Plan
    # page's badge; its sentences use the same words).
    INCOMPLETE = "incomplete", "Incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired", "Expired"
    TRIALING = "trialing", "Trialing"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    CANCELED = "canceled", "Cancelled"
    UNPAID = "unpaid", "Unpaid"
    PAUSED = "paused", "Paused"


# The plans an owner can buy on their own; Enterprise is sold by the staff ("contact us").
SELF_SERVE_PLANS = [Plan.PRO, Plan.TEAM]

# What the pricing page shows. The amount charged is the Stripe Price's (STRIPE_PRICE_* settings):
# keep the two in step when prices change.
PLAN_PRICES_USD: dict[str, dict[str, Decimal]] = {
    Plan.FREE: {BillingInterval.MONTH: Decimal("0"), BillingInterval.YEAR: Decimal("0")},
    Plan.PRO: {BillingInterval.MONTH: Decimal("12"), BillingInterval.YEAR: Decimal("120")},
    Plan.TEAM: {BillingInterval.MONTH: Decimal("20"), BillingInterval.YEAR: Decimal("200")},
}

PLAN_FEATURES: dict[str, list[str]] = {
    Plan.FREE: ["1:1 and group meeting types", "Weekly availability", "Personal booking page",
                "Email confirmations and reminders"],
    Plan.PRO: ["Everything in Free", "SMS reminders", "Sell paid single sessions (Stripe and PayPal)",
               "Orders and payments pages"],
    Plan.TEAM: ["Everything in Pro", "Packages (session packs) on top of paid sessions", "Team booking pages",
                "Round robin and collective meeting types"],
    Plan.ENTERPRISE: ["Everything in Team", "Several teams and many seats", "Invoiced billing",
                      "A named contact for onboarding"],
}


def plan_rank(plan: str) -> int:
    return PLAN_ORDER.index(Plan(plan)) if plan in PLAN_ORDER else -1


def plan_cards(current: str | None = None) -> list[dict]:
    """The plans as the pricing page and the landing page show them; `current`: the viewer's plan."""
    cards = []
    for plan in PLAN_ORDER:
        prices = PLAN_PRICES_USD.get(plan)
        cards.append({
            "plan": plan,
            "label": plan.label,
            "monthly": prices[BillingInterval.MONTH] if prices else None,
            "yearly": prices[BillingInterval.YEAR] if prices else None,
            "features": PLAN_FEATURES[plan],
            "self_serve": plan in SELF_SERVE_PLANS,
            "packages": plan_includes_packages(plan),
            "current": plan == current,
            # Only a move up is offered: a lower plan would cut what the owner has (staff-set plans too).
            "upgradable": current is None or plan_rank(plan) > plan_rank(current),
        })
    return cards
