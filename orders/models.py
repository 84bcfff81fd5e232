"""Package orders and the snapshot of the package as it was sold."""
import functools
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import IntegerField, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

from leadmonk import raw_rows
from leadmonk.languages import translatable as _
from leadmonk.money import CURRENCY_CHOICES
from leadmonk.tokens import new_token
from packages.models import ExpiryKind
from packages.payment_plans import InstalmentAccess, InstalmentInterval, instalment_amounts, plan_summary
from scheduling.models import MeetingTypeKind


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    EXPIRED = "expired", _("Expired")


# Orders whose credits are settled: what was left was voided (cancelled, refunded) or never paid
# for (expired unpaid). Nothing brings a credit back onto them (orders.credits.OrderClosed).
CLOSED_STATUSES = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.EXPIRED})

# `PackageOrder.paid_with` of an order the owner gave at no charge (payments.services.order_issue).
COMPLIMENTARY = "Complimentary"


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
    # The language the client ordered in: their emails and texts speak it (leadmonk.languages).
    client_language = models.CharField(max_length=8, blank=True, default="")
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
    # The promo code used (as stored, upper case) and what it took off: `price` is what the client
    # pays, `price + discount` the package's price when sold. Kept when the code is edited later.
    promo_code = models.CharField(max_length=40, blank=True)
    discount = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # The owner's tax when the order was placed (Settings › Invoices; a later edit changes nothing
    # here). None: placed before orders kept their tax (its invoice reads the settings). When prices
    # exclude tax, `tax_added` is the tax on top of `price` and the client pays `total_price`.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    tax_name = models.CharField(max_length=20, blank=True)
    prices_include_tax = models.BooleanField(default=True)
    tax_added = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # The policies as sold (DESIGN rule 10): a client's cancel within `cancel_window_hours` of the
    # start is late; whether a late cancel or a no-show uses the credit.
    cancel_window_hours = models.PositiveIntegerField(default=0)
    late_cancel_forfeits = models.BooleanField(default=True)
    no_show_forfeits = models.BooleanField(default=True)
    # Expiry as sold ("never" / N days after purchase / N days after the first booking), and when
    # the credits expire once that is known (set at payment or at the first booking; the owner
    # may move it later).
    expiry_kind = models.CharField(max_length=24, default=ExpiryKind.NEVER)
    expiry_days = models.PositiveIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Booking limits as sold (orders.rules.booking_limit_refusal): at most this many sessions of the
    # order start in one week (Monday first) or calendar month of `client_timezone`. None: no limit.
    max_sessions_per_week = models.PositiveIntegerField(null=True, blank=True)
    max_sessions_per_month = models.PositiveIntegerField(null=True, blank=True)
    # The membership as sold (packages.Package's fields of the same names; memberships app): empty
    # `billing_interval` is an order paid once.
    billing_interval = models.CharField(max_length=8, blank=True)
    billing_interval_count = models.PositiveIntegerField(default=1)
    renewal_rule = models.CharField(max_length=16, blank=True)
    rollover_cap = models.PositiveIntegerField(null=True, blank=True)
    # The payment plan as sold (packages.payment_plans): None is paid in full; else `price` in this
    # many instalments, the first at checkout; the instalments app keeps the schedule and charges.
    instalment_count = models.PositiveSmallIntegerField(null=True, blank=True)
    instalment_interval = models.CharField(max_length=8, choices=InstalmentInterval.choices, blank=True)
    instalment_access = models.CharField(max_length=8, choices=InstalmentAccess.choices, blank=True)
    # Set when the expiry task claims the order (a conditional update: two schedulers expire it once).
    credits_expired_at = models.DateTimeField(null=True, blank=True)
    # A recurring payment of this order (a membership's renewal, a payment plan's instalment) did not
    # go through: from this moment no new session can be booked until it is paid (orders.rules). The
    # app that charges sets it (the failure time plus any grace period) and clears it when paid.
    bookings_held_from = models.DateTimeField(null=True, blank=True)
    # Set when the client is warned (7 days before expiry), claimed the same way: one warning.
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    # The nudges as sold (orders.nudges): remind a client with sessions left and nothing booked for
    # this many days (None: off), once, claimed like the expiry warning through `book_nudge_sent_at`.
    book_reminder_days = models.PositiveIntegerField(null=True, blank=True, default=14)
    book_nudge_sent_at = models.DateTimeField(null=True, blank=True)
    # The booking that used the order's last credit, set once: its confirmation (and only it)
    # offers to buy the package again.
    last_credit_booking = models.ForeignKey(
        "scheduling.Booking", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The provider that took the money as it names itself ("Stripe", "PayPal", "Test provider"),
    # set by the payments app when its payment activates the order. `payment_medium` is only what
    # the package asked for; receipts and pages say who was actually paid.
    paid_with = models.CharField(max_length=40, blank=True)  # COMPLIMENTARY: given at no charge
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The owner's reason for cancelling, as sent to the client.
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"]),
            models.Index(fields=["owner", "-created_at"]),
            # The client portal (/my/) finds a client's orders with every owner by
            # `client_email__iexact` (UPPER(client_email) = UPPER(%s)).
            models.Index(Upper("client_email"), name="order_client_email_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.client_name}"

    @property
    def is_active(self) -> bool:
        return self.status == OrderStatus.ACTIVE

    @property
    def is_membership(self) -> bool:
        return bool(self.billing_interval)

    @property
    def has_payment_plan(self) -> bool:
        return bool(self.instalment_count) and self.price > 0

    @property
    def payment_plan_summary(self) -> str:
        """"4 payments of 100.00 USD, monthly" as sold ("" when paid in full)."""
        if not self.has_payment_plan:
            return ""
        return plan_summary(self.total_price, self.currency, self.instalment_count, self.instalment_interval)

    @property
    def first_charge(self):
        """What the checkout charges: the total price (tax included), or the first instalment of a
        payment plan (the plan splits the total)."""
        if not self.has_payment_plan:
            return self.total_price
        return instalment_amounts(self.total_price, self.instalment_count, self.currency)[0]

    @property
    def price_before_discount(self):
        return self.price + self.discount

    @property
    def total_price(self):
        """What the client pays: the price after any discount, plus tax when prices exclude it."""
        return self.price + self.tax_added

    @property
    def promo_reference(self) -> str:
        """How promotions names this order's redemption (plain data: promotions never imports orders)."""
        return f"order:{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_complimentary(self) -> bool:
        """Issued by the owner at no charge: nothing was paid, so nothing is refunded."""
        return self.paid_with == COMPLIMENTARY

    def is_expired(self, now) -> bool:
        """Whether the sessions of this order have expired at `now` (it then books nothing)."""
        return self.expires_at is not None and self.expires_at <= now

    @property
    def has_expired(self) -> bool:
        return self.is_expired(timezone.now())


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

    @property
    def duration(self) -> timedelta:
        """The length sold: every session of the item is booked, offered and moved at it, whatever
        the meeting type's length is now (DESIGN rule 10)."""
        return timedelta(minutes=self.duration_minutes)


class LedgerReason(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    BOOKING = "booking", "Session booked"
    CANCEL_RETURN = "cancel_return", "Cancelled, credit returned"
    LATE_CANCEL = "late_cancel", "Late cancel, credit used"
    NO_SHOW = "no_show", "No-show"
    CREDIT_RETURN = "credit_return", "Credit returned by the owner"
    EXPIRY = "expiry", "Expired"
    EXTENSION = "extension", "Extended"
    ADJUSTMENT = "adjustment", "Adjustment"
    REFUND = "refund", "Refund void"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    # A membership's new period (memberships): its sessions, and what the rule takes of the unused.
    RENEWAL = "renewal", "Membership renewed"
    RENEWAL_RESET = "renewal_reset", "Unused sessions reset at renewal"
    # A payment plan sold "in proportion to what is paid" (instalments): the sessions not yet paid
    # for are held at ordering, and each paid instalment gives its share back.
    INSTALMENT_HELD = "instalment_held", "Held until paid (payment plan)"
    INSTALMENT_PAID = "instalment_paid", "Instalment paid"


# Reasons tied to one booking's credit: their sum over a booking is -1 while the booking holds a
# credit and 0 once it is given back. Every other reason moves credits of the item as a whole.
BOOKING_REASONS = frozenset({
    LedgerReason.BOOKING, LedgerReason.CANCEL_RETURN, LedgerReason.LATE_CANCEL, LedgerReason.NO_SHOW,
    LedgerReason.CREDIT_RETURN,
})


class LedgerEntryQuerySet(models.QuerySet):
    """Ledger entries, and the one spelling of a balance: what entries leave is the sum of their
    changes, 0 when there are none (an item's remaining credits, or an order's over its items).
    The hand-written reads use its SQL twin, `ledger_balance_sql`."""

    def balance(self) -> int:
        """The sum of these entries' changes, 0 for none (one query)."""
        return self.aggregate(balance=Coalesce(Sum("change"), Value(0)))["balance"]

    def balance_per(self, field: str) -> Coalesce:
        """The balance of these entries as an annotation of an outer query: the entries are
        filtered on an OuterRef through `field` ("order_item", "order_item__order"), and summed per
        `field`, so the sum multiplies no other annotation. 0 for none."""
        entries = self.order_by().values(field).annotate(total=Sum("change")).values("total")
        return Coalesce(Subquery(entries, output_field=IntegerField()), Value(0))

    def update(self, **kwargs):
        raise TypeError("Credit ledger entries are append-only: add a correcting entry instead.")

    def delete(self):
        raise TypeError("Credit ledger entries are append-only: add a correcting entry instead.")


class CreditLedgerEntry(models.Model):
    """One movement of an order item's credits. Append-only: the remaining count of an item is the
    sum of its entries, so history is never rewritten, only corrected by a further entry. Written
    only by orders.credits, inside the transaction (and under the locks) of what it records."""

    # CASCADE only so that deleting an owner's account can go through; nothing else deletes these.
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="ledger")
    change = models.IntegerField()
    reason = models.CharField(max_length=24, choices=LedgerReason.choices)
    booking = models.ForeignKey(
        "scheduling.Booking", null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entries"
    )
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "credit ledger entries"
        indexes = [models.Index(fields=["order_item", "created_at"])]
        constraints = [
            # A zero entry only records a forfeit: the booking keeps the credit it already took.
            models.CheckConstraint(
                condition=~Q(change=0) | Q(reason__in=["late_cancel", "no_show"]), name="ledger_entry_moves_credits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change:+d} {self.get_reason_display()} (item {self.order_item_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Credit ledger entries are append-only: add a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Credit ledger entries are append-only: add a correcting entry instead.")


class Gift(models.Model):
    """A package bought for someone else (orders.gifts). The buyer pays and gets the receipt; once
    paid, the order's client fields are the recipient's (bookings, reminders and the portal follow
    them), and the buyer is kept here. The recipient is emailed their order page on `send_on`."""

    order = models.OneToOneField(PackageOrder, on_delete=models.CASCADE, related_name="gift")
    # The buyer's key to the gift page (see the gift, change the recipient's email until it is sent):
    # not the order's token, which is the recipient's alone once the gift is sent.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    buyer_name = models.CharField(max_length=200)
    buyer_email = models.EmailField()
    # The mobile number the buyer gave when ordering: the order's is the recipient's once paid (blank),
    # so the buyer's erasure finds it here to scrub it from what was written while the order was theirs
    # (its order.created event).
    buyer_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    recipient_name = models.CharField(max_length=200)
    recipient_email = models.EmailField()
    message = models.TextField(blank=True)
    # The day chosen in the buyer's zone, and the moment the beat task sends it (that morning there).
    send_on = models.DateField()
    send_at = models.DateTimeField()
    # Set once, by the conditional update that claims the gift for sending.
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The beat task's question: gifts not yet sent whose moment has come.
            models.Index(fields=["send_at"], condition=Q(sent_at__isnull=True), name="gift_due"),
        ]

    def __str__(self) -> str:
        return f"Gift of order {self.order_id} for {self.recipient_name}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


@functools.cache
def ledger_balance_sql() -> str:
    """`LedgerEntryQuerySet.balance()` in SQL, for the hand-written reads that keep raw SQL for
    speed (orders.selectors): "SELECT <sum of the changes, 0 for none> FROM <ledger> l". The caller
    adds which entries (a JOIN and a WHERE on the alias `l`). Tested equal to the ORM's answer
    (orders/tests/test_ledger_balance.py)."""
    change = raw_rows.column(CreditLedgerEntry, "change")
    return f"SELECT COALESCE(SUM(l.{change}), 0) FROM {raw_rows.table(CreditLedgerEntry)} l"


class LimitOverride(models.Model):
    """A session the owner booked over the order's weekly or monthly limit ("Book for client" with
    a note, or the API), and why: shown beside the session on the owner's order page."""

    booking = models.OneToOneField("scheduling.Booking", on_delete=models.CASCADE, related_name="limit_override")
    note = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Over the limit: {self.note}"
