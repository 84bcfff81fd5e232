"""Forms of the payments pages: they validate and convert, with messages a user understands."""
import re

from django import forms

from leadmonk.widgets import FastSelect
from payments.models import PaymentStatus, Provider
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
