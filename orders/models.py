"""Package orders and the snapshot of the package as it was sold."""
from django.conf import settings
from django.db import models

from leadmonk.money import CURRENCY_CHOICES
from scheduling.models import MeetingTypeKind, new_token


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    EXPIRED = "expired", "Expired"


class PackageOrder(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="package_orders")
    # PROTECT: packages are soft-deleted, so an order always keeps its package.
    package = models.ForeignKey("packages.Package", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    # Client details as entered.
    client_name = models.CharField(max_length=200, help_text="Full name, or first and last joined.")
    client_first_name = models.CharField(max_length=100, blank=True)
    client_last_name = models.CharField(max_length=100, blank=True)
    client_email = models.EmailField()
    client_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    client_timezone = models.CharField(max_length=64, default="UTC")
    # [{"question": text, "kind": kind, "answer": str | list[str] | bool}, ...] as asked at order time.
    answers = models.JSONField(default=list, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    # The snapshot: what was sold, never changed by later edits of the package.
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    terms = models.TextField(blank=True)
    payment_medium = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The provider that took the money as it names itself ("Stripe", "PayPal", "Test provider"),
    # set by the payments app when its payment activates the order. `payment_medium` is only what
    # the package asked for; receipts and pages say who was actually paid.
    paid_with = models.CharField(max_length=40, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The owner's reason for cancelling, as sent to the client.
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"]),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.client_name}"

    @property
    def is_active(self) -> bool:
        return self.status == OrderStatus.ACTIVE


class OrderItem(models.Model):
    order = models.ForeignKey(PackageOrder, on_delete=models.CASCADE, related_name="items")
    meeting_type = models.ForeignKey("scheduling.MeetingType", on_delete=models.PROTECT, related_name="order_items")
    # Snapshot of the meeting type and quantity as sold.
    meeting_type_name = models.CharField(max_length=200)
    duration_minutes = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=MeetingTypeKind.choices)
    quantity = models.PositiveIntegerField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
