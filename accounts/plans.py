"""Plans and what each includes. The one place that answers 'does this plan have packages?'."""
from django.db import models


class Plan(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"
    TEAM = "team", "Team"
    ENTERPRISE = "enterprise", "Enterprise"


# Ordered from lowest to highest; packages are a feature of Team and above.
PLAN_ORDER = [Plan.FREE, Plan.PRO, Plan.TEAM, Plan.ENTERPRISE]


def plan_includes_packages(plan: str) -> bool:
    return plan in PLAN_ORDER and PLAN_ORDER.index(Plan(plan)) >= PLAN_ORDER.index(Plan.TEAM)
