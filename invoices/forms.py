"""The form of Settings › Invoices: it validates and converts, and says what is wrong."""
import re
from decimal import Decimal

from django import forms

from invoices.models import CREDIT_NOTE_PREFIX

PREFIX_SHAPE = re.compile(r"^[A-Za-z0-9._-]*$")


class InvoiceSettingsForm(forms.Form):
    business_name = forms.CharField(label="Business name", max_length=200, required=False,
                                    help_text="Who your invoices are from. Empty: your display name.")
    address = forms.CharField(label="Address", required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    tax_id = forms.CharField(label="Tax ID", max_length=64, required=False,
                             help_text="Your VAT or GST number, printed on every invoice.")
    tax_rate = forms.DecimalField(label="Tax rate (%)", min_value=Decimal(0), max_value=Decimal(100),
                                  max_digits=5, decimal_places=2, initial=Decimal(0),
                                  error_messages={"min_value": "A tax rate cannot be negative.",
                                                  "max_value": "A tax rate is at most 100 %%.",
                                                  "invalid": "Enter the rate as a number, such as 20 or 7.5.",
                                                  "required": "Enter a tax rate (0 when you charge none)."},
                                  widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}))
    tax_name = forms.CharField(label="Name of the tax", max_length=20, required=False, initial="Tax",
                               help_text="As clients read it beside a price: VAT, GST, Sales tax.")
    prices_include_tax = forms.BooleanField(
        label="My prices include this tax", required=False, initial=True,
        help_text="Ticked: the tax is part of each price, and invoices show it inside. Not ticked: checkout "
                  "adds the tax to the price (\"plus 20 % VAT\"), and the client pays both. Orders already "
                  "placed keep the tax they were placed with.")
    number_prefix = forms.CharField(label="Invoice number prefix", max_length=20, required=False, initial="INV-",
                                    help_text="Put before each invoice's number: INV- gives INV-0001. Letters, "
                                              "digits, dots, dashes and underscores.")
    next_number = forms.IntegerField(
        label="Next invoice number", required=False, min_value=1, max_value=99_999_999,
        help_text="The number your next invoice gets: 457 when your last invoice from another tool was 456. "
                  "It only goes up, so no number is ever given twice.",
        error_messages={"invalid": "Enter a whole number, such as 457.", "min_value": "Enter 1 or more.",
                        "max_value": "Enter at most 99999999."},
        widget=forms.NumberInput(attrs={"min": "1", "step": "1"}))
    # The "Next invoice number" the page showed: a field sent back as shown was not changed, so a sale
    # made since the page was opened (that number given) does not refuse the rest of the settings.
    next_number_shown = forms.IntegerField(required=False, widget=forms.HiddenInput)
    footer = forms.CharField(label="Footer", required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Printed at the bottom of every invoice: payment terms, a thank-you.")

    def clean_tax_name(self) -> str:
        return self.cleaned_data["tax_name"].strip() or "Tax"

    def clean_number_prefix(self) -> str:
        prefix = self.cleaned_data["number_prefix"].strip()
        if "/" in prefix or "\\" in prefix:
            raise forms.ValidationError("The prefix cannot contain slashes: the number is part of the invoice's "
                                        "web address.")
        if not PREFIX_SHAPE.match(prefix):
            raise forms.ValidationError("Use letters, digits, dots, dashes and underscores only.")
        if prefix.upper().startswith(CREDIT_NOTE_PREFIX):
            raise forms.ValidationError(f"{CREDIT_NOTE_PREFIX} is the prefix of credit notes: choose another.")
        return prefix

    def clean(self):
        cleaned = super().clean()
        shown = cleaned.pop("next_number_shown", None)
        if cleaned.get("next_number") is not None and cleaned["next_number"] == shown:
            cleaned["next_number"] = None  # left as shown: the numbering carries on where it is
        return cleaned
