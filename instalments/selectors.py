"""Reads of payment plans for the order pages (one query each: the plan with its instalments)."""
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from instalments.models import Instalment, InstalmentStatus, PaymentPlan
from orders.models import PackageOrder
from payments.models import Provider


@dataclass(frozen=True)
class PlanView:
    plan: PaymentPlan
    instalments: list[Instalment]
    summary: str
    left_to_pay: Decimal
    payable_count: int
    has_failed: bool
    # The test provider's controls ("Fail the next instalment", "Charge the next one now").
    test_controls: bool


def plan_view(order: PackageOrder) -> PlanView | None:
    """The plan of `order` with its instalments, what is left to pay and whether one failed; None
    for an order paid in full (no query then)."""
    if not order.has_payment_plan:
        return None
    instalments = list(Instalment.objects.filter(plan__order=order).select_related("plan").order_by("number"))
    if not instalments:
        return None
    plan = instalments[0].plan
    payable = [row for row in instalments if row.is_payable]
    return PlanView(
        plan=plan, instalments=instalments, summary=order.payment_plan_summary,
        left_to_pay=sum((row.amount for row in payable), Decimal(0)), payable_count=len(payable),
        has_failed=any(row.status == InstalmentStatus.FAILED for row in instalments),
        test_controls=(plan.provider == Provider.TEST and bool(settings.TEST_PAYMENTS_ENABLED)
                       and any(row.status == InstalmentStatus.SCHEDULED for row in instalments)),
    )
