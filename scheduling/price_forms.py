"""The price of what an owner sells and the way it is paid, as form fields that validate and
convert: a paid meeting type's (Payment section of the meeting type form). The Payment Mediums an
owner can offer come from payments through scheduling.signals.payment_mediums_for_owner."""
from decimal import Decimal

from django import forms

from leadmonk import money
from leadmonk.widgets import AmountField
from scheduling.models import PAID_SESSION_FIELDS, PaymentMedium, medium_currency_problem
from scheduling.signals import payment_mediums_for_owner

MAX_SESSION_PRICE = Decimal("1000000")
MAX_CANCEL_WINDOW_HOURS = 720


def available_mediums(owner) -> list[str]:
    """The Payment Mediums `owner` can offer: those every receiver (payments) allows, in its order."""
    mediums = list(PaymentMedium.values)
    for _receiver, allowed in payment_mediums_for_owner.send(sender=None, owner=owner):
        mediums = [medium for medium in allowed if medium in mediums]
    return mediums


class PaidSessionFieldsMixin(forms.Form):
    """Price (empty: free), currency, Payment Medium and the cancellation policy of a paid
    meeting type. Call `init_paid_fields(owner=...)` from __init__."""

    PAID_FIELDS = PAID_SESSION_FIELDS

    price = AmountField(
        label="Price", max_digits=20, decimal_places=None, required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="What a client pays to book one session (one seat of a group). Leave empty for a free session.",
        error_messages={"invalid": "Enter a price such as 90 or 90.00."},
    )
    # Not required: a post without the Payment section (an older page) is a free session in USD.
    currency = forms.ChoiceField(label="Currency", choices=money.CURRENCY_CHOICES, initial="USD", required=False,
                                 error_messages={"invalid_choice": "Choose a currency from the list."})
    payment_medium = forms.ChoiceField(label="Payment Medium", required=False)
    cancel_window_hours = forms.IntegerField(
        label="Cancellation window (hours before the start)", min_value=0, max_value=MAX_CANCEL_WINDOW_HOURS,
        initial=0, required=False, help_text="A client who cancels earlier is refunded in full. 0: always in full.",
        error_messages={
            "required": "Enter a number of hours (0 for no window).",
            "invalid": "Enter a whole number of hours, e.g. 24.",
            "min_value": "The window cannot be negative: enter 0 for no window.",
            "max_value": f"Enter at most {MAX_CANCEL_WINDOW_HOURS} hours (30 days).",
        },
    )
    late_cancel_refund = forms.BooleanField(label="Refund in full inside the window too", required=False)

    def init_paid_fields(self, *, owner) -> None:
        self.can_sell = owner.has_paid_sessions
        self.mediums = available_mediums(owner)
        labels = dict(PaymentMedium.choices)
        self.fields["payment_medium"].choices = [("", "Choose…")] + [(m, labels[m]) for m in self.mediums]
        self.fields["payment_medium"].error_messages["invalid_choice"] = (
            "Choose Stripe or PayPal (only connected providers can take payments)."
        )
        if not self.can_sell:
            self.fields["price"].help_text = (
                "Paid sessions are part of the Pro plan and above: upgrade on the Plan page to set a price."
            )

    @staticmethod
    def paid_initial(instance) -> dict:
        price = instance.price
        return {
            "price": money.round_money(price, instance.currency) if price else None,
            "currency": instance.currency, "payment_medium": instance.payment_medium,
            "cancel_window_hours": instance.cancel_window_hours, "late_cancel_refund": instance.late_cancel_refund,
        }

    def clean_price(self) -> Decimal | None:
        price = self.cleaned_data["price"]
        if price is None:
            return None
        if price <= 0:
            raise forms.ValidationError("Enter a price above 0, or leave it empty for a free session.")
        if price > MAX_SESSION_PRICE:
            raise forms.ValidationError("Enter a price of at most 1,000,000.")
        if not self.can_sell:
            raise forms.ValidationError(
                "Paid sessions are part of the Pro plan and above. Upgrade on the Plan page, or leave the price empty."
            )
        return price

    def clean_paid_fields(self, cleaned: dict) -> None:
        cleaned["currency"] = cleaned.get("currency") or "USD"
        if cleaned.get("cancel_window_hours") is None and "cancel_window_hours" not in self.errors:
            cleaned["cancel_window_hours"] = 0
        price, currency = cleaned.get("price"), cleaned["currency"]
        if price is None:
            if "price" not in self.errors:
                # Free: nothing to pay through; the policy is kept for when a price is set again.
                cleaned["price"], cleaned["payment_medium"] = Decimal("0"), ""
                self.errors.pop("payment_medium", None)
            return
        if not money.has_valid_precision(price, currency):
            self.add_error("price", money.precision_message(currency))
        else:
            cleaned["price"] = money.round_money(price, currency)
        if not cleaned.get("payment_medium") and "payment_medium" not in self.errors:
            self.add_error("payment_medium", "Choose a Payment Medium for a paid session." if self.mediums
                           else "Connect Stripe or PayPal in Settings before selling a paid session.")
        problem = medium_currency_problem(cleaned.get("payment_medium") or "", currency, price)
        if problem and problem[0] not in self.errors:
            self.add_error(*problem)

    def paid_service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PAID_FIELDS}
