"""Invoices and credit notes: the owner's billing details, the per-owner number sequences and the
documents themselves, each a snapshot that never changes once issued (DESIGN.md rule 12).

Where this app sits: below payments and notifications, above orders (.importlinter). Payments calls
`invoices.services` when a payment is confirmed or refunded (in the same transaction) and
notifications attaches the PDF when it sends the payment email, so both import this app; this app
imports nothing above it and names the payment by string ("payments.Payment"), reading only the
attributes of the row it is handed.
"""
from django.conf import settings
from django.db import models

from leadmonk.languages import translatable as _
from leadmonk.money import CURRENCY_CHOICES

DEFAULT_PREFIX = "INV-"
CREDIT_NOTE_PREFIX = "CN-"


class InvoiceSettings(models.Model):
    """Settings › Invoices: who the owner's invoices are from, and how tax is shown."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invoice_settings")
    business_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    # A percentage, 0 to 100 (checked by the form and by the database).
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # What the tax is called on price lines ("plus 20 % VAT"): VAT, GST, Sales tax.
    tax_name = models.CharField(max_length=20, default="Tax", blank=True)
    prices_include_tax = models.BooleanField(default=True)
    number_prefix = models.CharField(max_length=20, default=DEFAULT_PREFIX, blank=True)
    footer = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(tax_rate__gte=0, tax_rate__lte=100),
                                   name="invoicesettings_tax_rate_percent"),
        ]

    def __str__(self) -> str:
        return f"Invoice settings of owner {self.owner_id}"


class SequenceKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class NumberSequence(models.Model):
    """The last number given of one kind of document of one owner. Numbers are taken under this
    row's lock in the payment's own transaction, so a rollback gives the number back (no gap) and
    two payments never get the same one."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=SequenceKind.choices)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "kind"], name="numbersequence_unique_owner_kind")]


class Document(models.Model):
    """What an invoice and a credit note both keep: the number and a snapshot of both parties."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=40)
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    # Made with the test provider: no real money; the document says TEST.
    is_test = models.BooleanField(default=False)
    # {"business_name", "address", "tax_id", "footer", "email", "timezone", "tax_name"} as they were
    # at issue ("tax_name" since December 2026: older documents say "Tax").
    seller = models.JSONField(default=dict)
    # {"name", "email"} of the client (a gift's buyer: who paid).
    buyer = models.JSONField(default=dict)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    prices_include_tax = models.BooleanField(default=True)
    net = models.DecimalField(max_digits=12, decimal_places=3)
    tax = models.DecimalField(max_digits=12, decimal_places=3)
    total = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        abstract = True
        ordering = ["sequence"]

    def __str__(self) -> str:
        return self.number


class Invoice(Document):
    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="invoice")
    # Where its page is: the order's token, or the paid session's booking token.
    order = models.ForeignKey("orders.PackageOrder", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="invoices")
    booking = models.ForeignKey("scheduling.Booking", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="invoices")
    # [{"description", "detail", "quantity", "amount"}]: the order's snapshot or the paid session.
    lines = models.JSONField(default=list)
    subtotal = models.DecimalField(max_digits=12, decimal_places=3)
    promo_code = models.CharField(max_length=40, blank=True)
    discount = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    # What the client paid, how and when.
    amount_paid = models.DecimalField(max_digits=12, decimal_places=3)
    paid_with = models.CharField(max_length=60)
    paid_at = models.DateTimeField()

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(fields=["owner", "sequence"], name="invoice_unique_owner_sequence"),
            models.UniqueConstraint(fields=["owner", "number"], name="invoice_unique_owner_number"),
        ]

    kind_label = _("Invoice")

    @property
    def amount_due(self):
        return max(self.total - self.amount_paid, 0)


class CreditNote(Document):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="credit_notes")
    order = models.ForeignKey("orders.PackageOrder", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="credit_notes")
    booking = models.ForeignKey("scheduling.Booking", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="credit_notes")
    reason = models.CharField(max_length=300, blank=True)
    # The caller's key of the refund it documents ("refund-<payment>", a Refund's id): issuing twice
    # with the same key returns the first note.
    source_key = models.CharField(max_length=100)

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(fields=["owner", "sequence"], name="creditnote_unique_owner_sequence"),
            models.UniqueConstraint(fields=["owner", "number"], name="creditnote_unique_owner_number"),
            models.UniqueConstraint(fields=["payment", "source_key"], name="creditnote_unique_source"),
        ]

    kind_label = _("Credit note")
