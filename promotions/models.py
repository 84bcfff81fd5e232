"""Promo codes of an owner and their redemptions (which purchase used a code, and for how much)."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from leadmonk.money import CURRENCY_CHOICES


class DiscountKind(models.TextChoices):
    PERCENT = "percent", "Percent off"
    AMOUNT = "amount", "Amount off"


class PromoCodeQuerySet(models.QuerySet):
    def visible(self) -> "PromoCodeQuerySet":
        return self.filter(deleted_at__isnull=True)


class PromoCode(models.Model):
    """A code an owner's clients type at checkout for a discount.

    What it applies to: everything the owner sells (`applies_to_all`: every package and every paid
    single session), or the chosen `packages` and `meeting_types` (paid ones: the session checkout
    passes `meeting_type_id` to promotions.services.promo_quote / promo_redeem).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="promo_codes")
    # Stored upper case without spaces (promotions.services.normalize_code): codes are case-insensitive.
    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, choices=DiscountKind.choices, default=DiscountKind.PERCENT)
    # Percent (0 < value <= 100) or an amount of `currency` (amount-off codes only).
    value = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, blank=True)
    applies_to_all = models.BooleanField(default=True)
    packages = models.ManyToManyField("packages.Package", blank=True, related_name="+")
    meeting_types = models.ManyToManyField("scheduling.MeetingType", blank=True, related_name="+")
    # Dates in the owner's time zone, both days included; None: no limit.
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    # How many purchases may use it in all (None: no limit); counted from unreleased redemptions.
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    once_per_client = models.BooleanField(default=False)
    new_clients_only = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Soft delete: redemptions (and their history) stay; the code can be used again for a new one.
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PromoCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "code"], condition=Q(deleted_at__isnull=True), name="promocode_unique_live_code"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="promocode_value_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class PromoRedemption(models.Model):
    """One use of a code by one purchase. `reference` names the purchase in the app that made it
    ("order:<id>"; a paid booking would use "booking:<id>"), as plain data: promotions sits below
    orders and never imports it. A released redemption (refund, unpaid expiry) no longer counts."""

    promo_code = models.ForeignKey(PromoCode, on_delete=models.CASCADE, related_name="redemptions")
    reference = models.CharField(max_length=64)
    client_email = models.EmailField()  # normalised (orders.clients.normalize_email)
    amount_before = models.DecimalField(max_digits=12, decimal_places=3)
    discount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["promo_code", "reference"], name="promoredemption_unique_reference"),
        ]
        indexes = [
            models.Index(fields=["promo_code", "released_at"]),
            models.Index(fields=["reference"]),
        ]

    def __str__(self) -> str:
        return f"{self.promo_code_id} for {self.reference}"
