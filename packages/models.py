"""Session packs: a bundle of meeting types with session quantities, sold for one price."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import ngettext

from leadmonk.money import CURRENCY_CHOICES
from leadmonk.tokens import new_token
from packages.payment_plans import InstalmentAccess, InstalmentInterval, plan_summary

# One list of Payment Mediums for everything an owner sells (packages and paid meeting types).
from scheduling.models import PaymentMedium  # noqa: F401


class PackageState(models.TextChoices):
    # A new package stays a draft (on no booking page, not orderable) until its Payment
    # Preferences are saved once: it must never be on sale before it has a price (DESIGN rule 9).
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    DISABLED = "disabled", "Disabled"
    DELETED = "deleted", "Deleted"


class NameFormat(models.TextChoices):
    FULL_NAME = "full_name", "Full name"
    FIRST_LAST = "first_last", "First name and last name"


class OrderingInformation(models.TextChoices):
    NAME_EMAIL = "name_email", "Name and email address"
    NAME_EMAIL_MOBILE = "name_email_mobile", "Name, email address and mobile number"


class ExpiryKind(models.TextChoices):
    NEVER = "never", "Never"
    AFTER_PURCHASE = "after_purchase", "N days after purchase"
    AFTER_FIRST_BOOKING = "after_first_booking", "N days after the first booking"


# Bounds of the Policies: a window over 30 days or an expiry over 10 years is surely a typo.
MAX_CANCEL_WINDOW_HOURS = 720
MAX_EXPIRY_DAYS = 3650
# "Remind clients to book after N days without an upcoming session": on at 14 days unless the
# owner turns it off (None); over a year it would remind nobody who still remembers the package.
DEFAULT_BOOK_REMINDER_DAYS = 14
MAX_BOOK_REMINDER_DAYS = 365
# A booking limit per week or month beyond this is surely a typo.
MAX_SESSIONS_PER_PERIOD = 100


class BillingInterval(models.TextChoices):
    """How often a membership is billed; empty on a package sold once."""

    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class RenewalRule(models.TextChoices):
    """What a membership's unused sessions do when a new period starts (snapshotted on the order)."""

    RESET = "reset", "Reset: unused sessions are lost"
    ROLLOVER = "rollover", "Roll over, up to a cap"
    KEEP = "keep", "Stay: unused sessions are kept"


def billing_words(interval: str, count: int) -> str:
    """How often a membership is billed, after its price: "a month", "every 2 weeks" ("" when sold once),
    in the active language (the client's pages speak German or Spanish too)."""
    if not interval:
        return ""
    if interval == BillingInterval.WEEK:
        words = ngettext("a week", "every %(count)s weeks", count)
    elif interval == BillingInterval.MONTH:
        words = ngettext("a month", "every %(count)s months", count)
    else:
        words = ngettext("a year", "every %(count)s years", count)
    return words % {"count": count}


# "Billed every N weeks/months/years": beyond this it is surely a typo (Stripe allows 3 years).
MAX_INTERVAL_COUNT = 52
# A roll-over cap beyond this is surely a typo.
MAX_ROLLOVER_CAP = 999
# "At most N orders per client": more than this is surely a typo (no limit is an empty field).
MAX_ORDERS_PER_CLIENT = 1000


class PackageQuerySet(models.QuerySet):
    def for_owner(self, owner) -> "PackageQuerySet":
        return self.filter(owner=owner)

    def visible(self) -> "PackageQuerySet":
        return self.exclude(state=PackageState.DELETED)


class Package(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField("Package Name", max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField("Description/Instruction", blank=True)
    state = models.CharField(max_length=16, choices=PackageState.choices, default=PackageState.DRAFT)
    # Invitee Preferences
    name_format = models.CharField(
        "Invitee Name Format", max_length=16, choices=NameFormat.choices, default=NameFormat.FULL_NAME
    )
    ordering_information = models.CharField(
        "Ordering Information", max_length=24, choices=OrderingInformation.choices,
        default=OrderingInformation.NAME_EMAIL,
    )
    # Payment Preferences
    price = models.DecimalField("Package Price", max_digits=12, decimal_places=3, default=Decimal("0"))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    payment_medium = models.CharField("Payment Medium", max_length=16, choices=PaymentMedium.choices, blank=True)
    terms = models.TextField("Payment Terms and Conditions", blank=True)
    # Payment plan (packages.payment_plans, snapshotted into each order): None is paid in full at
    # ordering; else the price in this many instalments (2..24), the first at ordering. The
    # instalments app keeps each order's schedule and charges the later ones.
    instalment_count = models.PositiveSmallIntegerField("Number of payments", null=True, blank=True)
    instalment_interval = models.CharField("Paid", max_length=8, choices=InstalmentInterval.choices,
                                           default=InstalmentInterval.MONTH)
    instalment_access = models.CharField("Sessions available", max_length=8, choices=InstalmentAccess.choices,
                                         default=InstalmentAccess.ALL)
    # Policies (snapshotted into each order, DESIGN rule 10)
    cancel_window_hours = models.PositiveIntegerField("Cancellation window (hours)", default=0)
    late_cancel_forfeits = models.BooleanField("A late cancel uses the session", default=True)
    no_show_forfeits = models.BooleanField("A no-show uses the session", default=True)
    expiry_kind = models.CharField("Sessions expire", max_length=24, choices=ExpiryKind.choices,
                                   default=ExpiryKind.NEVER)
    expiry_days = models.PositiveIntegerField("Days", null=True, blank=True)
    # None: off. Clients with sessions left and nothing booked for this many days get one email.
    book_reminder_days = models.PositiveIntegerField(
        "Remind clients to book after (days without an upcoming session)", null=True, blank=True,
        default=DEFAULT_BOOK_REMINDER_DAYS,
    )
    # Booking limits (snapshotted into each order like the policies): at most this many sessions of
    # an order start in one week (Monday to Sunday) or one calendar month, in the order's zone.
    # None: no limit. Enforced by orders.rules.booking_limit_refusal on every booking path.
    max_sessions_per_week = models.PositiveIntegerField("At most this many sessions per week", null=True, blank=True)
    max_sessions_per_month = models.PositiveIntegerField("At most this many sessions per month", null=True,
                                                         blank=True)
    # Purchase limits: they govern ordering (orders.services.order_create), so no order copies them.
    # None: no limit on the orders one client (by email) places.
    max_orders_per_client = models.PositiveIntegerField("At most this many orders per client", null=True, blank=True)
    new_clients_only = models.BooleanField("New clients only", default=False)
    # Membership (memberships app): empty `billing_interval` sells the package once; otherwise it is
    # billed every `billing_interval_count` × interval (Stripe Billing or the test provider; PayPal
    # stays one-off) and each paid period adds its sessions. At renewal the unused sessions follow
    # `renewal_rule` (roll over at most `rollover_cap`). Snapshotted into each order.
    billing_interval = models.CharField("Bill every", max_length=8, choices=BillingInterval.choices, blank=True)
    billing_interval_count = models.PositiveIntegerField("Number of weeks, months or years", default=1)
    renewal_rule = models.CharField("At renewal, unused sessions", max_length=16, choices=RenewalRule.choices,
                                    default=RenewalRule.RESET)
    rollover_cap = models.PositiveIntegerField("Roll over at most", null=True, blank=True)
    # Sharing: an unlisted package is on no booking page and its slug address does not sell it; it
    # is ordered through /<owner-slug>/packages/p/<private_token>/ only. The token works whether
    # listed or not (a shared link survives listing it), and is replaced by "Regenerate link"; the
    # old one is kept in PackageRetiredToken so its link says the offer moved.
    listed = models.BooleanField("Listed on my booking page", default=True)
    private_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PackageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "slug"], condition=~Q(state="deleted"), name="package_unique_live_slug"
            ),
            models.CheckConstraint(
                condition=Q(max_orders_per_client__isnull=True) | Q(max_orders_per_client__gte=1),
                name="package_max_orders_per_client_positive",
            ),
            models.CheckConstraint(condition=Q(billing_interval_count__gte=1), name="package_interval_count_positive"),
            models.CheckConstraint(
                condition=Q(instalment_count__isnull=True) | Q(instalment_count__gte=2, instalment_count__lte=24),
                name="package_instalment_count_2_to_24",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def is_membership(self) -> bool:
        return bool(self.billing_interval)

    @property
    def has_payment_plan(self) -> bool:
        return bool(self.instalment_count) and not self.is_free

    @property
    def payment_plan_summary(self) -> str:
        """"4 payments of 100.00 USD, monthly" ("" when paid in full)."""
        if not self.has_payment_plan:
            return ""
        return plan_summary(self.price, self.currency, self.instalment_count, self.instalment_interval)

    @property
    def is_draft(self) -> bool:
        return self.state == PackageState.DRAFT

    @property
    def requires_mobile(self) -> bool:
        return self.ordering_information == OrderingInformation.NAME_EMAIL_MOBILE


class PackageRetiredToken(models.Model):
    """A private link replaced by "Regenerate link": it no longer sells the package, and says so."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="retired_tokens")
    token = models.CharField(max_length=64, unique=True)
    retired_at = models.DateTimeField(auto_now_add=True)


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    meeting_type = models.ForeignKey("scheduling.MeetingType", on_delete=models.PROTECT, related_name="package_items")
    quantity = models.PositiveIntegerField("Session Quantity")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "meeting_type"], name="packageitem_unique_meeting_type"),
        ]


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    CHECKBOX = "checkbox", "Checkbox"


class InviteeQuestion(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=24, choices=QuestionKind.choices, default=QuestionKind.SHORT_TEXT)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
