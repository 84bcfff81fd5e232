"""Forms of the payments pages: they validate and convert, with messages a user understands."""
import re

from django import forms

from leadmonk.client_email import normalize_email
from leadmonk.phones import normalize_mobile
from leadmonk.widgets import FastSelect
from payments.models import PaymentStatus, Provider
from payments.services import IssueMode
from scheduling.booking_forms import CancelForm

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

    def __init__(self, *args, packages, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["package"]
        field.queryset = packages
        if not self.is_bound:
            # One read renders the options; an owner with one package finds it chosen.
            listed = list(packages)
            field.choices = [("", field.empty_label)] + [(p.pk, field.label_from_instance(p)) for p in listed]
            if len(listed) == 1:
                field.initial = listed[0].pk

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
        return data
