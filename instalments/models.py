"""Payment plans: an order's price paid in instalments, the first at checkout, the others charged
when due to the card saved then. The plan as sold (count, interval, access) is the order's snapshot
(orders.models.PackageOrder.instalment_*); this app keeps the schedule and what paid each line."""
from django.db import models
from django.db.models import Q
from django.utils import timezone


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Due"
    # Claimed by the charge task (a conditional update: two tasks charge it once) and charged.
    PROCESSING = "processing", "Being charged"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    # The order was cancelled or refunded before it was due: never charged.
    CANCELLED = "cancelled", "Cancelled"


# Not paid yet, and the client may pay it now ("Pay now", "Pay the rest now").
PAYABLE_STATUSES = (InstalmentStatus.SCHEDULED, InstalmentStatus.FAILED)


class PaymentPlan(models.Model):
    order = models.OneToOneField("orders.PackageOrder", on_delete=models.CASCADE, related_name="payment_plan")
    # The provider that took the first instalment and the card it kept for the others (set when
    # the first is paid: payments.Payment.saved_method).
    provider = models.CharField(max_length=16, blank=True)
    saved_method = models.CharField(max_length=255, blank=True)
    # Test provider only ("Fail the next instalment"): the next charge uses its declined card.
    fail_next_charge = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Payment plan of order {self.order_id}"


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=InstalmentStatus.choices, default=InstalmentStatus.SCHEDULED)
    # The latest payment that charged it (an earlier failed one stays on the Payments page); one
    # payment pays several when the client pays the rest at once.
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="instalments")
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="instalment_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]
        indexes = [
            # The charge task's question: instalments due and not yet charged.
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="instalment_due"),
        ]

    def __str__(self) -> str:
        return f"Instalment {self.number} of plan {self.plan_id} ({self.status})"

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE_STATUSES
