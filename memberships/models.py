"""Memberships: a package order billed every period (its snapshot says how often and what unused
sessions do at renewal). Named so as not to collide with teams.models.Membership."""
from django.conf import settings
from django.db import models
from django.db.models import Q


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"


class PackageMembership(models.Model):
    """One order's membership: which period is paid, its state, and the provider's subscription.

    `cancel_at` is set when the client cancels: the membership stays active (the sessions too) until
    then, and the next renewal ends it instead. `state_at` is the provider's time of the state
    stored (Stripe: the event's `created`), so an older event never overwrites a newer state."""

    order = models.OneToOneField("orders.PackageOrder", on_delete=models.CASCADE, related_name="package_membership")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="package_memberships")
    status = models.CharField(max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE)
    # "test" or "stripe" (payments.models.Provider values, named by string: payments is below us
    # but its names are plain data here).
    provider = models.CharField(max_length=16)
    provider_subscription_id = models.CharField(max_length=255, blank=True)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    cancel_at = models.DateTimeField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    state_at = models.DateTimeField(null=True, blank=True)
    # The day of the month periods are counted from (memberships.services.period_after's anchor):
    # empty for the day the order was paid; set to the day of a resume after the period ran out
    # while paused, where the periods start again.
    period_anchor = models.DateTimeField(null=True, blank=True)
    # Where a past-due client pays (Stripe's hosted invoice page); empty for the test provider,
    # whose "Pay now" is on the order page.
    pay_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            # renew_memberships: test-provider memberships whose period ended.
            models.Index(fields=["provider", "status", "current_period_end"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["provider_subscription_id"], condition=~Q(provider_subscription_id=""),
                                    name="membership_unique_subscription"),
        ]

    def __str__(self) -> str:
        return f"Membership of order {self.order_id} ({self.status})"

    @property
    def cancels(self) -> bool:
        """Cancelled by the client, still running until `cancel_at`."""
        return self.cancel_at is not None and self.status != MembershipStatus.CANCELLED


class MembershipPeriod(models.Model):
    """One paid period of a membership. Unique per (membership, start): whoever records a period
    second (a replayed webhook, a double "Renew now", two workers) finds it and adds nothing."""

    membership = models.ForeignKey(PackageMembership, on_delete=models.CASCADE, related_name="periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    paid_at = models.DateTimeField()
    # The provider's invoice (Stripe `in_…`), empty for the first period and the test provider.
    provider_invoice_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "starts_at"], name="membership_period_once"),
        ]

    def __str__(self) -> str:
        return f"Period {self.starts_at:%Y-%m-%d} of membership {self.membership_id}"
