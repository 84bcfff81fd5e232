"""Forms of the payments pages: they validate and convert, with messages a user understands."""
import re

from django import forms

from leadmonk.widgets import FastSelect
from payments.models import PaymentStatus, Provider

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
