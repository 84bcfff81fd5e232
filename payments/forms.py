"""Forms of the payments pages: they validate and convert, with messages a user understands."""
import re
from decimal import Decimal

from django import forms

from leadmonk.client_email import normalize_email
from leadmonk.money import format_money, has_valid_precision, precision_message, step_problem
from leadmonk.phones import normalize_mobile
from leadmonk.widgets import FastSelect
from orders.forms import question_answers, question_fields
from payments.models import PaymentStatus, Provider
from payments.services import IssueMode
from scheduling.booking_forms import CancelForm
from scheduling.tax import NO_TAX, TaxTerms

MERCHANT_ID_RE = re.compile(r"^[A-Z0-9]{8,20}$")


class PayPalConnectForm(forms.Form):
    email = forms.EmailField(
        label="PayPal merchant email", max_length=254,
        error_messages={"required": "Enter the email address of your PayPal business account.",
                        "invalid": "Enter a valid email address, like you@example.com."},
    )
    merchant_id = forms.CharField(label="PayPal merchant ID (optional)", required=False, max_length=20)

    def clean_merchant_id(self) -> str:
        value = self.cleaned_data["merchant_id"].strip().upper()
        if value and not MERCHANT_ID_RE.match(value):
            raise forms.ValidationError("A PayPal merchant ID is 8 to 20 letters and digits, like 7XJ3N5BZ8Q2LA.")
        return value


class PaymentFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False, widget=FastSelect,
                               choices=[("", "All statuses"), *PaymentStatus.choices])
    provider = forms.ChoiceField(label="Provider", required=False, widget=FastSelect,
                                 choices=[("", "All providers"), *Provider.choices])


class OrderCancelRefundForm(CancelForm):
    """The owner's "Cancel order" of a paid order: the reason (the shared cancel form, worded as
    on the order page), and whether to refund the payment."""

    refund = forms.BooleanField(
        label="Refund the payment", required=False,
        help_text="A full refund through the provider. Leave it unticked to refund later: Payments flags "
                  "the order until it is refunded.",
    )

    def __init__(self, *args, payment=None, **kwargs):
        super().__init__(*args, reason_label="Reason (sent to the client)", reason_help="", **kwargs)
        if payment is not None:
            from leadmonk.money import format_money

            amount = format_money(payment.amount, payment.currency)
            self.fields["refund"].label = (
                f"Refund the payment ({amount} through {payment.get_provider_display()})"
            )


class OrderIssueForm(forms.Form):
    """The owner's "New order": which of their packages, for whom, and how it is settled. The
    package list is the owner's own orderable packages only, so another owner's package id is
    refused as an invalid choice."""

    package = forms.ModelChoiceField(
        label="Package", queryset=None, widget=FastSelect, empty_label="Choose a package",
        error_messages={"required": "Choose the package to order.",
                        "invalid_choice": "Choose one of your published packages."},
    )
    client_name = forms.CharField(label="Client name", max_length=200,
                                  error_messages={"required": "Enter the client's name."})
    client_email = forms.EmailField(
        label="Client email", max_length=254,
        error_messages={"required": "Enter the client's email address.",
                        "invalid": "Enter a valid email address, like client@example.com."},
    )
    client_phone = forms.CharField(label="Client mobile", required=False, max_length=32,
                                   help_text="Needed when the package asks for a mobile number.")
    mode = forms.ChoiceField(label="Payment", widget=forms.RadioSelect, choices=IssueMode.CHOICES,
                             initial=IssueMode.PAID_OUTSIDE,
                             error_messages={"required": "Choose how the order is paid."})
    note = forms.CharField(
        label="Note on the payment", required=False, max_length=200,
        help_text="For a payment outside the app, e.g. \u201cBank transfer received 3 Dec\u201d.",
        error_messages={"max_length": "Keep the note to %(limit_value)d characters (it has %(show_value)d)."},
    )
    amount_taken = forms.DecimalField(
        label="Amount received (optional)", required=False, max_digits=15,
        help_text="For a payment outside the app: what the client actually paid when it is less than the "
                  "price (a cash discount). Leave it empty for the full price.",
        error_messages={"invalid": "Enter the amount as a number, like 90.00.",
                        "max_digits": "That amount is more than the price.",
                        "max_whole_digits": "That amount is more than the price."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    # The package whose questions the form showed: a package changed without reloading the form
    # (no JavaScript) is shown again with its own questions rather than ordered without answers.
    questions_for = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, packages, chosen: str = "", tax_terms: TaxTerms = NO_TAX, **kwargs):
        super().__init__(*args, **kwargs)
        self.tax_terms = tax_terms  # the owner's: a price is paid with tax on top when prices exclude it
        field = self.fields["package"]
        field.queryset = packages
        # One read of the packages and one of their questions (the same two queries whichever is chosen).
        listed = list(packages.prefetch_related("questions"))
        if not self.is_bound:
            # An owner with one package finds it chosen; "?package=<id>" chooses one.
            field.choices = [("", field.empty_label)] + [(p.pk, field.label_from_instance(p)) for p in listed]
            if len(listed) == 1:
                field.initial = listed[0].pk
            elif chosen:
                field.initial = chosen
        wanted = str(self.data.get("package", "") if self.is_bound else (field.initial or ""))
        self.package = next((p for p in listed if str(p.pk) == wanted), None)
        self.questions = list(self.package.questions.all()) if self.package is not None else []
        self.question_names = list(question_fields(self.questions))
        self.fields.update(question_fields(self.questions))
        shown_for = str(self.package.pk) if self.package is not None else ""
        self.initial["questions_for"] = shown_for
        self.questions_were_shown = True
        if self.is_bound:
            # Re-rendered, the form shows this package's questions: the hidden field says so.
            self.questions_were_shown = self.data.get("questions_for", "") == shown_for
            self.data = self.data.copy()
            self.data["questions_for"] = shown_for
        if self.package is not None and self.package.price:
            self.fields["amount_taken"].help_text = (
                f"For a payment outside the app: what the client actually paid when it is less than the price, "
                f"{format_money(self._price_to_pay(self.package), self.package.currency)} (a cash discount). "
                "Leave it empty for the full price.")

    def _price_to_pay(self, package) -> Decimal:
        """The package's price as the client pays it: plus tax when the owner's prices exclude it."""
        return package.price + self.tax_terms.tax_on_top(package.price, package.currency)

    def answers(self) -> list[dict]:
        return question_answers(self.questions, self.cleaned_data)

    def clean_client_name(self) -> str:
        name = self.cleaned_data["client_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the client's name.")
        return name

    def clean_client_email(self) -> str:
        return normalize_email(self.cleaned_data["client_email"])

    def clean(self):
        data = super().clean()
        package, phone = data.get("package"), (data.get("client_phone") or "").strip()
        if phone:
            try:
                data["client_phone"] = normalize_mobile(phone)
            except forms.ValidationError as error:
                self.add_error("client_phone", error)
        elif package is not None and package.requires_mobile:
            self.add_error("client_phone", "This package asks for the client's mobile number.")
        if package is not None and self.questions and not self.questions_were_shown:
            raise forms.ValidationError(
                "This package asks the client some questions: answer them below, then create the order.")
        self._clean_amount_taken(data, package)
        return data

    def _clean_amount_taken(self, data: dict, package) -> None:
        amount = data.get("amount_taken")
        if amount is None or package is None:
            return
        if data.get("mode") != IssueMode.PAID_OUTSIDE:
            self.add_error("amount_taken", "Only a payment outside the app has an amount received: leave it empty.")
        elif not amount.is_finite() or amount <= 0:
            self.add_error("amount_taken", "Enter an amount above zero, or choose \u201cComplimentary\u201d.")
        elif not has_valid_precision(amount, package.currency):
            self.add_error("amount_taken", precision_message(package.currency))
        elif amount > (total := self._price_to_pay(package)):
            self.add_error("amount_taken", f"At most the price, {format_money(total, package.currency)}.")


class RefundSessions:
    """What a part refund does to the order's sessions (the owner chooses)."""

    KEEP = "keep"
    REMOVE = "remove"
    CHOICES = [
        (KEEP, "Keep the sessions: the client keeps every session of the order"),
        (REMOVE, "Take sessions off the order"),
    ]


def _removable_help(can: int, quantity: int) -> str:
    """How many sessions of an item a refund can take off, and why not more."""
    if can == 0:
        return "None can be taken off: every session is booked, used or taken off already."
    if can < quantity:
        return f"At most {can} of {quantity}: the others are booked, used or taken off already."
    return f"Up to {can}: none is booked yet."


class PaymentRefundForm(forms.Form):
    """The owner's refund of a payment: an amount up to what is left (in the payment's currency),
    a reason and, for an order, whether sessions are taken off it and how many of each. `key` is
    the refund's idempotency nonce, rendered into the form: a double click posts it twice and
    refunds once."""

    amount = forms.DecimalField(
        label="Amount to refund", max_digits=15,
        error_messages={"required": "Enter the amount to refund.",
                        "invalid": "Enter the amount as a number, like 25.00.",
                        "max_digits": "That amount is more than was paid.",
                        "max_whole_digits": "That amount is more than was paid."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="Reason", max_length=500,
        help_text="For your records and the credit note, e.g. \u201cTwo sessions not taken\u201d.",
        error_messages={"required": "Say why you refund this payment.",
                        "max_length": "Keep the reason to %(limit_value)d characters (it has %(show_value)d)."},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, payment, removable: dict[int, int] | None = None, items=(), **kwargs):
        from leadmonk.tokens import new_token

        super().__init__(*args, **kwargs)
        self.payment = payment
        self.left = payment.refundable_amount
        self.fields["amount"].label = f"Amount to refund ({payment.currency})"
        self.fields["amount"].help_text = (
            f"Up to {format_money(self.left, payment.currency)}, what is left of the "
            f"{format_money(payment.amount, payment.currency)} paid.")
        if not self.is_bound:
            self.initial.setdefault("key", new_token())
        self.item_fields: list[tuple[str, int]] = []
        removable = removable or {}
        if items:
            self.fields["sessions"] = forms.ChoiceField(
                label="Sessions of the order", widget=forms.RadioSelect, choices=RefundSessions.CHOICES,
                initial=RefundSessions.KEEP, required=False,  # none chosen: kept
            )
            for item in items:
                name = f"remove_{item.pk}"
                can = removable.get(item.pk, 0)
                self.fields[name] = forms.IntegerField(
                    label=f"{item.meeting_type_name}: sessions to take off", required=False, min_value=0,
                    max_value=can,
                    help_text=_removable_help(can, item.quantity),
                    error_messages={"invalid": "Enter a whole number of sessions, like 2.",
                                    "min_value": "Enter 0 or more sessions.",
                                    "max_value": f"Only {can} can be taken off: the others are booked or used."},
                    widget=forms.NumberInput(attrs={"min": 0, "max": can}),
                )
                self.item_fields.append((name, item.pk))

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        currency = self.payment.currency
        if not amount.is_finite():
            raise forms.ValidationError("Enter the amount as a number, like 25.00.")
        if amount < 0:
            raise forms.ValidationError("Enter a positive amount: what goes back to the client.")
        if amount == 0:
            raise forms.ValidationError("Enter an amount above zero.")
        if not has_valid_precision(amount, currency):
            raise forms.ValidationError(precision_message(currency))
        # A part refund goes back in the steps the provider charged (whole forints): it refuses others.
        step_refusal = step_problem(self.payment.provider, amount, currency, what="an amount")
        if step_refusal:
            raise forms.ValidationError(step_refusal)
        if amount > self.left:
            raise forms.ValidationError(f"At most {format_money(self.left, currency)} is left to refund.")
        return amount

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why you refund this payment.")
        return reason

    def clean_key(self) -> str:
        from leadmonk.tokens import looks_like_token

        key = self.cleaned_data["key"]
        if not looks_like_token(key):
            raise forms.ValidationError("This form is out of date: reload the page and try again.")
        return key

    def clean(self):
        data = super().clean()
        if data.get("sessions") == RefundSessions.REMOVE:
            counts = {item_id: data.get(name) or 0 for name, item_id in self.item_fields}
            if not any(counts.values()) and not any(self.has_error(name) for name, _ in self.item_fields):
                self.add_error("sessions", "Enter how many sessions to take off, or keep the sessions.")
            data["sessions_to_remove"] = {item_id: n for item_id, n in counts.items() if n}
        else:
            data["sessions_to_remove"] = {}
        return data

    def idempotency_key(self) -> str:
        return f"refund-{self.payment.pk}-{self.cleaned_data['key'][:43]}"
