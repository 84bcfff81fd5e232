"""Payment attempts and the provider webhook events already processed."""
from django.conf import settings
from django.db import models

from leadmonk.money import CURRENCY_CHOICES
from leadmonk.tokens import new_token
from orders.models import OrderStatus


class Provider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"
    TEST = "test", "Test provider"
    # Money the owner received outside the app (cash, bank transfer) and recorded on an order
    # they issued; no provider is called for it.
    MANUAL = "manual", "Paid outside the app"


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created"
    PENDING = "pending", "Processing"
    CONFIRMED = "confirmed", "Paid"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    REFUNDED = "refunded", "Refunded"


class Payment(models.Model):
    """One attempt to pay an order through one provider."""

    order = models.ForeignKey("orders.PackageOrder", on_delete=models.PROTECT, related_name="payments")
    # Unguessable: the client's return URL and the test checkout page are reached by it.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    # What the client is charged: the order's price after its promo code.
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    # The order's promo code and what it took off, as they were when the attempt started.
    promo_code = models.CharField(max_length=40, blank=True)
    discount = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # Stripe: Checkout Session id / PaymentIntent id. PayPal: order id / capture id.
    provider_reference = models.CharField(max_length=255, blank=True, db_index=True)
    provider_payment_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Where the client pays (Stripe Checkout / PayPal approval URL), reused on a second click.
    checkout_url = models.URLField(max_length=2000, blank=True)
    # Stripe Connect account the charge was routed to, or the PayPal payee; blank = the platform.
    destination_account = models.CharField(max_length=255, blank=True)
    refund_reference = models.CharField(max_length=255, blank=True)
    # Set when money arrived that could not be applied (order cancelled, amount mismatch, ...).
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # The owner gave the money back another way (the provider's dashboard, a bank transfer) and
    # marked it here; the app made no refund call.
    refunded_outside = models.BooleanField(default=False)
    # The owner's note on a payment made outside the app ("cash at the first session").
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"

    @property
    def needs_refund(self) -> bool:
        """Money kept for an order the owner cancelled: flagged on Payments until it is refunded
        (or marked refunded outside the app). Reads `order` (select_related it in lists)."""
        return (
            self.status == PaymentStatus.CONFIRMED and not self.flagged and self.order.status == OrderStatus.CANCELLED
        )


class WebhookEvent(models.Model):
    """A provider event we have processed; the unique key makes a replay a no-op."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=120)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhookevent_unique")]


class PaymentConnection(models.Model):
    """An owner's own account at a provider, where their clients' money goes.

    Stripe: a Connect account id (acct_...), active once onboarding lets it take charges.
    PayPal: the merchant email (and/or merchant id) set as payee of the owner's orders.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_connections")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    account_id = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=False)
    connected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "provider"], name="paymentconnection_unique_owner_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} connection of owner {self.owner_id}"
