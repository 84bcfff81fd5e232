"""Payment attempts and the provider webhook events already processed."""
from decimal import Decimal

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


class PaymentPurpose(models.TextChoices):
    # The order's checkout: confirming it activates the order (a payment plan's first instalment too).
    ORDER = "order", "Order"
    # A later instalment of a payment plan (or several, "Pay the rest now"), on an active order:
    # confirming it activates nothing; the instalments app hears of it (payments.signals).
    INSTALMENT = "instalment", "Instalment"


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created"
    PENDING = "pending", "Processing"
    CONFIRMED = "confirmed", "Paid"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    # Some of the money went back (one or more Refunds), not all of it.
    PARTLY_REFUNDED = "partly_refunded", "Partly refunded"
    REFUNDED = "refunded", "Refunded"


# A payment that took money and still holds some of it: what a refund can start from.
REFUNDABLE_STATUSES = (PaymentStatus.CONFIRMED, PaymentStatus.PARTLY_REFUNDED)
# A payment that took money, whatever has gone back since.
PAID_STATUSES = (PaymentStatus.CONFIRMED, PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED)


class Payment(models.Model):
    """One attempt to pay an order, or a paid single session (a booking held while the client pays),
    through one provider. Exactly one of `order` and `booking` is set."""

    order = models.ForeignKey(
        "orders.PackageOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    booking = models.ForeignKey(
        "scheduling.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    # The owner of the order or booking, copied when the payment is saved (save() below): the
    # owner's lists and totals read one indexed column instead of joining every order and booking.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payments",
                              editable=False)
    # Unguessable: the client's return URL and the test checkout page are reached by it.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    purpose = models.CharField(max_length=16, choices=PaymentPurpose.choices, default=PaymentPurpose.ORDER)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    # What the client is charged: the order's price after its promo code, plus `tax_added`.
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    # The order's promo code and what it took off, as they were when the attempt started.
    promo_code = models.CharField(max_length=40, blank=True)
    discount = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # The tax it was charged with (the order's snapshot, or the owner's terms when a paid session was
    # held); None: made before payments kept their tax (the invoice reads the owner's settings).
    # `tax_added`: tax on top of the price, inside `amount` (0 when prices include tax).
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    prices_include_tax = models.BooleanField(default=True)
    tax_added = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # Stripe: Checkout Session id / PaymentIntent id. PayPal: order id / capture id.
    provider_reference = models.CharField(max_length=255, blank=True, db_index=True)
    provider_payment_id = models.CharField(max_length=255, blank=True, db_index=True)
    # The card the client saved for a payment plan's later instalments, as the provider names it
    # (Stripe "cus_…/pm_…"), recorded from the first checkout; blank for a one-off payment.
    saved_method = models.CharField(max_length=255, blank=True)
    # Where the client pays (Stripe Checkout / PayPal approval URL), reused on a second click.
    checkout_url = models.URLField(max_length=2000, blank=True)
    # Stripe Connect account the charge was routed to, or the PayPal payee; blank = the platform.
    destination_account = models.CharField(max_length=255, blank=True)
    # The provider's id of the latest refund (each refund keeps its own: Refund.provider_reference).
    refund_reference = models.CharField(max_length=255, blank=True)
    # The sum of the payment's succeeded Refunds, rewritten from that sum under the payment's row
    # lock each time one succeeds (payments.services._refund_succeeded), so lists and exports read it
    # without a join.
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # Set when money arrived that could not be applied (order cancelled, amount mismatch, ...).
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the last of the money went back (the payment became refunded).
    refunded_at = models.DateTimeField(null=True, blank=True)
    # The owner gave the money back another way (the provider's dashboard, a bank transfer) and
    # marked it here; the app made no refund call.
    refunded_outside = models.BooleanField(default=False)
    # The owner's note on a payment made outside the app ("cash at the first session").
    note = models.CharField(max_length=200, blank=True)
    # A session's cancellation policy as it was when it was booked (a later edit of the meeting type
    # does not change a booked session's terms): payments.booking_payments reads it on a cancel.
    cancel_window_hours = models.PositiveIntegerField(null=True, blank=True)
    late_cancel_refund = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="payment_owner_newest")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(order__isnull=False, booking__isnull=True)
                           | models.Q(order__isnull=True, booking__isnull=False)),
                name="payment_pays_order_or_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"

    def save(self, *args, **kwargs):
        # The owner of what is paid for (bulk_create skips save(): pass owner_id there).
        if self.owner_id is None:
            source = self.order if self.order_id is not None else self.booking
            self.owner_id = source.owner_id if source is not None else None
        super().save(*args, **kwargs)

    @property
    def needs_refund(self) -> bool:
        """Money kept for an order the owner cancelled: flagged on Payments until it is refunded
        (or marked refunded outside the app). Reads `order` (select_related it in lists). A session's
        payment is refunded by its cancellation (or flagged when that refund failed)."""
        return (
            self.order_id is not None and self.status in REFUNDABLE_STATUSES and not self.flagged
            and self.order.status == OrderStatus.CANCELLED
        )

    @property
    def refundable_amount(self) -> Decimal:
        """What is left to refund: the amount taken minus what has gone back."""
        if self.status not in REFUNDABLE_STATUSES:
            return Decimal(0)
        return max(Decimal(0), self.amount - self.refunded_amount)

    # What a provider, a page or a receipt needs of what is paid for, an order or a session.

    @property
    def purchase_title(self) -> str:
        """"Starter pack", or "Coaching session on 7 Dec 2026, 14:00 UTC"."""
        if self.order_id:
            return self.order.title
        return f"{self.booking.meeting_type.name} on {self.booking.start:%-d %b %Y, %H:%M} UTC"

    @property
    def client_name(self) -> str:
        return self.order.client_name if self.order_id else self.booking.client_name

    @property
    def client_email(self) -> str:
        return self.order.client_email if self.order_id else self.booking.client_email

    @property
    def is_instalment(self) -> bool:
        return self.purpose == PaymentPurpose.INSTALMENT

    @property
    def saves_method(self) -> bool:
        """The order's checkout of a payment plan: the card is kept for the later instalments."""
        return self.order_id is not None and self.purpose == PaymentPurpose.ORDER and self.order.has_payment_plan

    @property
    def checkout_idempotency_key(self) -> str:
        """The key of the provider call that opens this payment's checkout: a double click, or a
        retry after a timeout, opens one checkout."""
        if self.order_id:
            return f"checkout-{self.order_id}-{self.pk}"
        return f"checkout-booking-{self.booking_id}"


class RefundStatus(models.TextChoices):
    # Reserved before the provider is called (so two refunds cannot both take what is left), then
    # succeeded once the provider says so; a refused call deletes the reservation.
    PENDING = "pending", "Processing"
    SUCCEEDED = "succeeded", "Refunded"


class Refund(models.Model):
    """Money given back on a payment: in full or in part, through its provider, or outside the app
    (`outside_app`: the owner gave it back another way and recorded it). The payment's refunded
    amount is the sum of its succeeded refunds."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    # Our key, sent to the provider as its idempotency key: a double click, a retried request or a
    # retried task refunds once ("refund-<payment id>" for a refund of all that is left,
    # "refund-<payment id>-<form nonce>" for a part; "provider-<refund id>" for one made at the provider).
    idempotency_key = models.CharField(max_length=120, unique=True)
    # The provider's refund id (Stripe re_..., PayPal refund id); a webhook about a refund we
    # already know is matched by it, so it is counted once.
    provider_reference = models.CharField(max_length=255, blank=True)
    outside_app = models.BooleanField(default=False)
    # Sessions taken off the order with this refund, per order item id ({"12": 2}): the ledger
    # entries are written when the refund succeeds, by whichever of the app and the webhook records it.
    sessions_to_remove = models.JSONField(default=dict, blank=True)
    sessions_removed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="refund_amount_not_negative"),
            models.UniqueConstraint(
                fields=["payment", "provider_reference"], condition=~models.Q(provider_reference=""),
                name="refund_unique_provider_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} of payment {self.payment_id} ({self.status})"


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
