"""The owner's promo code form: validates and converts, and says what is wrong next to the field."""
import re
from decimal import Decimal

from django import forms

from leadmonk import money
from leadmonk.widgets import AmountField
from promotions.models import DiscountKind
from promotions.services import normalize_code

MAX_DISCOUNT = Decimal("1000000")
MAX_USES = 1_000_000
CODE_PATTERN = re.compile(r"^[A-Z0-9_-]{3,40}$")


class AppliesTo:
    ALL, CHOSEN = "all", "chosen"
    # "All" is everything the owner sells: every package and every paid single session (codes
    # saved as "All packages" before sessions could be paid keep applying to every package).
    CHOICES = [(ALL, "Everything I sell (all packages and paid sessions)"),
               (CHOSEN, "Chosen packages and paid sessions")]


class PromoCodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=60,
        help_text="3 to 40 letters, digits, - or _, e.g. WELCOME10. Clients may type it in any case.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": "Enter a code, e.g. WELCOME10.",
                        "max_length": "Keep the code to 40 characters."},
    )
    discount_type = forms.ChoiceField(label="Discount type", choices=DiscountKind.choices, widget=forms.RadioSelect,
                             initial=DiscountKind.PERCENT,
                             error_messages={"required": "Choose percent off or amount off.",
                                             "invalid_choice": "Choose percent off or amount off."})
    value = AmountField(
        label="Discount", max_digits=None, decimal_places=None,
        help_text="A percent (e.g. 10 for 10 % off) or an amount (e.g. 20.00), as the type says.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": "Enter the discount, e.g. 10 or 20.00.",
                        "invalid": "Enter the discount as a number, e.g. 10 or 20.00."},
    )
    currency = forms.ChoiceField(
        label="Currency (amount off only)", required=False, choices=[("", "—"), *money.CURRENCY_CHOICES],
        error_messages={"invalid_choice": "Choose one of the currencies listed."},
    )
    applies_to = forms.ChoiceField(label="Applies to", choices=AppliesTo.CHOICES, widget=forms.RadioSelect,
                                   initial=AppliesTo.ALL,
                                   error_messages={"required": "Choose everything you sell or chosen ones.",
                                                   "invalid_choice": "Choose everything you sell or chosen ones."})
    packages = forms.ModelMultipleChoiceField(
        label="Packages", required=False, queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text="Used when it applies to chosen ones.",
        error_messages={"invalid_choice": "Choose among your packages.",
                        "invalid_pk_value": "Choose among your packages."},
    )
    meeting_types = forms.ModelMultipleChoiceField(
        label="Paid sessions", required=False, queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text="Meeting types with a price, booked and paid one session at a time. Used when it applies to "
                  "chosen ones.",
        error_messages={"invalid_choice": "Choose among your paid meeting types.",
                        "invalid_pk_value": "Choose among your paid meeting types."},
    )
    valid_from = forms.DateField(
        label="Valid from", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="In your time zone. Empty: from now on.",
        error_messages={"invalid": "Enter a date such as 2027-01-31."},
    )
    valid_until = forms.DateField(
        label="Valid until", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day it can be used, included. Empty: no end.",
        error_messages={"invalid": "Enter a date such as 2027-01-31."},
    )
    max_uses = forms.IntegerField(
        label="Total uses", required=False, min_value=1, max_value=MAX_USES,
        help_text="How many orders may use it in all. Empty: no limit.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": "Enter a whole number of uses, e.g. 50.",
                        "min_value": "Allow at least 1 use, or leave it empty for no limit.",
                        "max_value": "Allow at most 1,000,000 uses, or leave it empty for no limit."},
    )
    once_per_client = forms.BooleanField(label="Once per client (by email)", required=False)
    new_clients_only = forms.BooleanField(label="New clients only (no earlier paid order with you)", required=False)

    def __init__(self, *args, packages, meeting_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["packages"].queryset = packages
        self.fields["meeting_types"].queryset = meeting_types

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError("Use 3 to 40 letters, digits, - or _ (no spaces), e.g. WELCOME10.")
        return code

    def clean_value(self) -> Decimal:
        value = self.cleaned_data["value"]
        if value <= 0:
            raise forms.ValidationError("Enter a discount above 0.")
        if value > MAX_DISCOUNT:
            raise forms.ValidationError("Enter a discount of at most 1,000,000.")
        return value

    def clean(self):
        cleaned = super().clean()
        kind, value, currency = cleaned.get("discount_type"), cleaned.get("value"), cleaned.get("currency")
        if kind == DiscountKind.PERCENT:
            cleaned["currency"] = ""
            if value is not None and value > 100:
                self.add_error("value", "A percent off can be at most 100.")
            elif value is not None and value != value.quantize(Decimal("0.01")):
                self.add_error("value", "Enter a percent with at most 2 decimals, e.g. 12.5.")
        elif kind == DiscountKind.AMOUNT:
            if not currency:
                self.add_error("currency", "Choose the currency of the amount off.")
            elif value is not None and not money.has_valid_precision(value, currency):
                self.add_error("value", money.precision_message(currency))
            elif value is not None and value % money.payable_step(currency):
                # 100.50 HUF off would leave a total neither Stripe nor PayPal charges.
                step = money.payable_step(currency)
                self.add_error("value", f"Payments in {currency} are taken in whole units only: enter an amount "
                                        "without decimals." if step == 1 else
                               f"Payments in {currency} are taken in steps of {money.format_money(step, currency)}: "
                               "enter an amount whose last decimal is 0.")
        if cleaned.get("applies_to") == AppliesTo.CHOSEN and not cleaned.get("packages") \
                and not cleaned.get("meeting_types") and "packages" not in self.errors \
                and "meeting_types" not in self.errors:
            self.add_error("packages", "Choose at least one package or paid session, or apply it to everything "
                                       "you sell.")
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "Valid until must be on or after Valid from.")
        return cleaned

    def service_fields(self) -> dict:
        """The cleaned values as promotions.services takes them."""
        data = self.cleaned_data
        return {
            "code": data["code"], "kind": data["discount_type"], "value": data["value"], "currency": data["currency"],
            "applies_to_all": data["applies_to"] == AppliesTo.ALL, "valid_from": data["valid_from"],
            "valid_until": data["valid_until"], "max_uses": data["max_uses"],
            "once_per_client": data["once_per_client"], "new_clients_only": data["new_clients_only"],
        }

    @staticmethod
    def initial_for(promo) -> dict:
        value = promo.value
        if promo.currency:
            value = money.round_money(value, promo.currency)
        else:
            value = value.normalize()
        return {
            "code": promo.code, "discount_type": promo.kind, "value": f"{value:f}", "currency": promo.currency,
            "applies_to": AppliesTo.ALL if promo.applies_to_all else AppliesTo.CHOSEN,
            "packages": [package.pk for package in promo.packages.all()],
            "meeting_types": [meeting_type.pk for meeting_type in promo.meeting_types.all()],
            "valid_from": promo.valid_from, "valid_until": promo.valid_until, "max_uses": promo.max_uses,
            "once_per_client": promo.once_per_client, "new_clients_only": promo.new_clients_only,
        }
