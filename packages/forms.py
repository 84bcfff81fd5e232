"""Forms of the package editor: they validate and convert, with messages next to the field."""
from decimal import Decimal

from django import forms

from leadmonk import money
from leadmonk.widgets import AmountField
from packages.models import (
    DEFAULT_BOOK_REMINDER_DAYS,
    MAX_BOOK_REMINDER_DAYS,
    MAX_CANCEL_WINDOW_HOURS,
    MAX_EXPIRY_DAYS,
    MAX_INTERVAL_COUNT,
    MAX_ORDERS_PER_CLIENT,
    MAX_ROLLOVER_CAP,
    MAX_SESSIONS_PER_PERIOD,
    BillingInterval,
    ExpiryKind,
    NameFormat,
    OrderingInformation,
    PaymentMedium,
    QuestionKind,
    RenewalRule,
)
from packages.payment_plans import (
    MAX_INSTALMENTS,
    MIN_INSTALMENTS,
    InstalmentAccess,
    InstalmentInterval,
    instalment_amounts,
)
from packages.services import precision_message
from scheduling.models import MeetingType, medium_currency_problem

MAX_QUANTITY = 999
CHOICE_KINDS = {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE}
# The model stores 12 digits with 3 decimals, so at most 9 before the point.
MAX_PRICE = Decimal("999999999")


class PackageInfoForm(forms.Form):
    name = forms.CharField(
        label="Package Name", max_length=200,
        error_messages={
            "required": "Enter a Package Name.",
            "max_length": "Keep the Package Name to 200 characters or fewer (it has %(show_value)d).",
        },
    )
    description = forms.CharField(
        label="Description/Instruction", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to clients on your booking page and the order page.",
    )

    def clean_name(self) -> str:
        # One line: the name heads the client's emails, and a line break in a header is refused.
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter a Package Name.")
        return name


class MeetingTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, meeting_type: MeetingType) -> str:
        label = f"{meeting_type.name} ({meeting_type.duration_minutes} min, {meeting_type.get_kind_display()})"
        if not meeting_type.is_bookable:
            label += f" — {meeting_type.get_state_display().lower()}"
        return label


class PackageItemForm(forms.Form):
    """One "meeting type × Session Quantity" row. A row with no meeting type is an unused row."""

    meeting_type = MeetingTypeChoiceField(
        label="Meeting type", queryset=MeetingType.objects.none(), required=False, empty_label="Choose a meeting type",
        error_messages={"invalid_choice": "Choose one of your active meeting types."},
    )
    quantity = forms.IntegerField(
        label="Session Quantity", required=False, min_value=1, max_value=MAX_QUANTITY, initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_QUANTITY, "inputmode": "numeric"}),
        error_messages={
            "min_value": "Session Quantity must be between 1 and 999.",
            "max_value": "Session Quantity must be between 1 and 999.",
            "invalid": "Enter a whole number of sessions between 1 and 999.",
        },
    )

    def __init__(self, *args, meeting_types=None, meeting_type_choices=None, kept_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        if meeting_types is not None:
            self.fields["meeting_type"].queryset = meeting_types
        if meeting_type_choices is not None:
            # Rendered from the formset's one read of the meeting types, not a query per row.
            self.fields["meeting_type"].choices = meeting_type_choices
        self.kept_ids = kept_ids

    def clean(self):
        cleaned = super().clean()
        meeting_type = cleaned.get("meeting_type")
        if meeting_type is None:
            return cleaned
        if not meeting_type.is_bookable and meeting_type.pk not in self.kept_ids:
            state = meeting_type.get_state_display().lower()
            self.add_error("meeting_type", f"{meeting_type.name} is {state}; choose an active meeting type.")
        if cleaned.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", "Enter a Session Quantity between 1 and 999.")
        return cleaned


class BasePackageItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, meeting_types=None, kept_ids=frozenset(), **kwargs):
        self.meeting_types = meeting_types
        self.kept_ids = kept_ids
        self._meeting_type_choices = None
        super().__init__(*args, **kwargs)

    def meeting_type_choices(self) -> list | None:
        """The rows' meeting type options, read once for the whole formset (each row's field would
        run its own query to render them)."""
        if self._meeting_type_choices is None and self.meeting_types is not None:
            field = self.form.base_fields["meeting_type"]
            self._meeting_type_choices = [("", field.empty_label)] + [
                (meeting_type.pk, field.label_from_instance(meeting_type)) for meeting_type in self.meeting_types
            ]
        return self._meeting_type_choices

    def get_form_kwargs(self, index):
        return {"meeting_types": self.meeting_types, "meeting_type_choices": self.meeting_type_choices(),
                "kept_ids": self.kept_ids}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
            use_required_attribute=False, renderer=self.renderer,
            meeting_types=self.meeting_types, meeting_type_choices=self.meeting_type_choices(),
            kept_ids=self.kept_ids,
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        if any(self.errors):
            return
        seen: dict[int, forms.Form] = {}
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            meeting_type = form.cleaned_data.get("meeting_type")
            if meeting_type is None:
                continue
            if meeting_type.pk in seen:
                form.add_error(
                    "meeting_type",
                    f"{meeting_type.name} is already in this package. Use one row and raise its Session Quantity.",
                )
                raise forms.ValidationError(f"{meeting_type.name} is chosen twice.")
            seen[meeting_type.pk] = form
        if not seen:
            raise forms.ValidationError("Add at least one meeting type.")

    def items(self) -> list[tuple[MeetingType, int]]:
        """The chosen (meeting type, quantity) rows in order; call after is_valid()."""
        return [
            (form.cleaned_data["meeting_type"], form.cleaned_data["quantity"])
            for form in self.forms
            if form.cleaned_data.get("meeting_type") is not None
            and not (self.can_delete and self._should_delete_form(form))
        ]


PackageItemFormSet = forms.formset_factory(
    PackageItemForm, formset=BasePackageItemFormSet, extra=0, can_delete=True, max_num=50, absolute_max=60,
)


class InviteePreferencesForm(forms.Form):
    name_format = forms.ChoiceField(label="Invitee Name Format", choices=NameFormat.choices, widget=forms.RadioSelect)
    ordering_information = forms.ChoiceField(
        label="Ordering Information", choices=OrderingInformation.choices, widget=forms.RadioSelect,
    )


class InviteeQuestionForm(forms.Form):
    text = forms.CharField(
        label="Question", max_length=300,
        error_messages={
            "required": "Enter the question.", "max_length": "Keep the question to 300 characters or fewer.",
        },
    )
    kind = forms.ChoiceField(label="Answer type", choices=QuestionKind.choices)
    required = forms.BooleanField(label="Required", required=False)
    choices = forms.CharField(
        label="Choices", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For single and multiple choice: one choice per line, at least two.",
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Enter the question.")
        return text

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        lines = [line.strip() for line in (cleaned.get("choices") or "").splitlines() if line.strip()]
        if kind not in CHOICE_KINDS:
            cleaned["choices"] = []
            return cleaned
        if len(lines) < 2:
            self.add_error("choices", "Add at least two choices, one per line.")
            return cleaned
        if len(lines) > 50:
            self.add_error("choices", "Keep it to 50 choices or fewer.")
            return cleaned
        if any(len(line) > 200 for line in lines):
            self.add_error("choices", "Keep each choice to 200 characters or fewer.")
            return cleaned
        seen: set[str] = set()
        for line in lines:
            if line.casefold() in seen:
                self.add_error("choices", f"“{line}” is listed twice; each choice must be different.")
                return cleaned
            seen.add(line.casefold())
        cleaned["choices"] = lines
        return cleaned


class Pricing:
    PAID = "paid"
    FREE = "free"
    CHOICES = [(PAID, "Paid: clients pay for it"), (FREE, "Free: clients order without paying")]


class PaymentPreferencesForm(forms.Form):
    # Free is an explicit choice, never an empty price (DESIGN rule 9). A post without it (an
    # older page) is a paid package.
    pricing = forms.ChoiceField(
        label="Pricing", choices=Pricing.CHOICES, required=False, widget=forms.RadioSelect,
    )
    price = AmountField(
        label="Package Price", max_digits=15, decimal_places=None, required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="What the client pays for the whole package. Not used when the package is free.",
        error_messages={"invalid": "Enter a price such as 240 or 240.00."},
    )
    currency = forms.ChoiceField(label="Currency", choices=money.CURRENCY_CHOICES)
    payment_medium = forms.ChoiceField(label="Payment Medium", required=False)
    terms = forms.CharField(
        label="Payment Terms and Conditions", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="When set, clients must accept these terms to order.",
    )
    # The payment plan (packages.payment_plans): empty is paid in full at ordering.
    instalment_count = forms.IntegerField(
        label="Pay in instalments: number of payments", required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=(f"Leave empty to be paid in full. {MIN_INSTALMENTS} to {MAX_INSTALMENTS} payments, the first when "
                   "the client orders, the others charged by themselves (Stripe or the test provider). "
                   "PayPal takes one payment only."),
        error_messages={"invalid": f"Enter a whole number of payments from {MIN_INSTALMENTS} to {MAX_INSTALMENTS}."},
    )
    # Not required: a post without them (an older page, a package paid in full) keeps the defaults.
    instalment_interval = forms.ChoiceField(
        label="Instalments are paid", choices=InstalmentInterval.choices, initial=InstalmentInterval.MONTH,
        required=False,
    )
    instalment_access = forms.ChoiceField(
        label="Sessions available to a client paying in instalments", choices=InstalmentAccess.choices,
        initial=InstalmentAccess.ALL, widget=forms.RadioSelect, required=False,
    )

    def __init__(self, *args, mediums: list[str], current_medium: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(PaymentMedium.choices)
        self.mediums = mediums
        # Free is chosen under Pricing; an empty medium is only "not chosen yet".
        self.fields["payment_medium"].choices = [("", "Choose…")] + [
            (medium, labels.get(medium, medium)) for medium in mediums
        ]
        if current_medium in labels and current_medium not in mediums:
            # Shown as it is stored, so the page does not pretend it is "None"; saving it is refused.
            self.fields["payment_medium"].choices.append(
                (current_medium, f"{labels[current_medium]} (not connected)")
            )
        self.fields["payment_medium"].error_messages["invalid_choice"] = (
            "Choose Stripe or PayPal (only connected providers can take payments)."
        )
        if not mediums:
            self.fields["payment_medium"].help_text = "Connect Stripe or PayPal in Settings to sell a paid package."

    def clean_price(self) -> Decimal | None:
        price = self.cleaned_data["price"]
        if price is None:
            return None
        if price < 0:
            raise forms.ValidationError("The price cannot be negative.")
        if price > MAX_PRICE:
            raise forms.ValidationError("Enter a price below 1,000,000,000.")
        return price

    def clean_instalment_count(self) -> int | None:
        count = self.cleaned_data["instalment_count"]
        if count is not None and not MIN_INSTALMENTS <= count <= MAX_INSTALMENTS:
            raise forms.ValidationError(
                f"Enter {MIN_INSTALMENTS} to {MAX_INSTALMENTS} payments, or leave it empty to be paid in full.")
        return count

    def clean(self):
        cleaned = super().clean()
        free = cleaned.pop("pricing", "") == Pricing.FREE
        cleaned["free"] = free
        cleaned["instalment_interval"] = cleaned.get("instalment_interval") or InstalmentInterval.MONTH
        cleaned["instalment_access"] = cleaned.get("instalment_access") or InstalmentAccess.ALL
        if cleaned.get("payment_medium") == PaymentMedium.PAYPAL and cleaned.get("instalment_count") and not free:
            self.add_error("instalment_count", "PayPal takes one payment only: choose Stripe for a payment plan, "
                                               "or leave this empty.")
        if free:
            cleaned["instalment_count"] = None
            self.errors.pop("instalment_count", None)
            # Whatever was left in the price and medium fields, a free package costs nothing.
            cleaned["price"], cleaned["payment_medium"] = Decimal("0"), ""
            for name in ("price", "payment_medium"):
                self.errors.pop(name, None)
            return cleaned
        price, currency = cleaned.get("price"), cleaned.get("currency")
        if "price" not in self.errors and not price:
            self.add_error("price", "Enter a Package Price above 0, or choose Free.")
            return cleaned
        medium = cleaned.get("payment_medium")
        if medium and medium not in self.mediums:
            label = dict(PaymentMedium.choices)[medium]
            message = f"{label} is not connected. Connect it in Settings, or choose another Payment Medium."
            self.add_error("payment_medium", message)
        problem = medium_currency_problem(medium or "", currency or "", price)
        if problem and problem[0] not in self.errors:
            self.add_error(*problem)
        if price is not None and currency:
            if not money.has_valid_precision(price, currency):
                self.add_error("price", precision_message(currency))
            elif not cleaned.get("payment_medium") and "payment_medium" not in self.errors:
                if self.mediums:
                    self.add_error("payment_medium", "Choose a Payment Medium for a paid package.")
                else:
                    self.add_error(
                        "payment_medium", "Connect Stripe or PayPal in Settings before selling a paid package."
                    )
            else:
                cleaned["price"] = money.round_money(price, currency)
                count = cleaned.get("instalment_count")
                if count and instalment_amounts(cleaned["price"], count, currency)[0] <= 0:
                    # Each payment must be at least the smallest step the providers charge (a cent, a
                    # whole forint): never "24 payments of 0.00".
                    self.add_error("instalment_count", (
                        f"{money.format_money(cleaned['price'], currency)} cannot be split into {count} payments: "
                        f"each would be less than {money.format_money(money.payable_step(currency), currency)}. "
                        "Enter fewer payments, or leave it empty to be paid in full."))
        return cleaned


class PoliciesForm(forms.Form):
    """Policies: the cancellation window, what a late cancel and a no-show cost, expiry, and the
    reminder to book (its two fields clean to one `book_reminder_days`, None when off)."""

    cancel_window_hours = forms.IntegerField(
        label="Cancellation window (hours before the start)", min_value=0, max_value=MAX_CANCEL_WINDOW_HOURS,
        help_text="A client who cancels later than this is late. 0: no window.",
        error_messages={
            "required": "Enter a number of hours (0 for no window).",
            "invalid": "Enter a whole number of hours, e.g. 24.",
            "min_value": "The window cannot be negative: enter 0 for no window.",
            "max_value": f"Enter at most {MAX_CANCEL_WINDOW_HOURS} hours (30 days).",
        },
    )
    late_cancel_forfeits = forms.BooleanField(label="A late cancel uses the session", required=False)
    no_show_forfeits = forms.BooleanField(label="A no-show uses the session", required=False)
    expiry_kind = forms.ChoiceField(label="Sessions expire", choices=ExpiryKind.choices, widget=forms.RadioSelect)
    expiry_days = forms.IntegerField(
        label="Number of days", required=False, min_value=1, max_value=MAX_EXPIRY_DAYS,
        error_messages={
            "invalid": "Enter a whole number of days, e.g. 90.",
            "min_value": "Enter at least 1 day.",
            "max_value": f"Enter at most {MAX_EXPIRY_DAYS} days (10 years).",
        },
    )
    book_reminder_enabled = forms.BooleanField(
        label="Remind clients to book when they have sessions left and none coming up", required=False,
    )
    book_reminder_days = forms.IntegerField(
        label="Remind clients to book after N days without an upcoming session", required=False,
        min_value=1, max_value=MAX_BOOK_REMINDER_DAYS,
        help_text=f"One email with their order link, once per order. Usually {DEFAULT_BOOK_REMINDER_DAYS} days.",
        error_messages={
            "invalid": f"Enter a whole number of days, e.g. {DEFAULT_BOOK_REMINDER_DAYS}.",
            "min_value": "Enter at least 1 day.",
            "max_value": f"Enter at most {MAX_BOOK_REMINDER_DAYS} days (a year).",
        },
    )

    max_sessions_per_week = forms.IntegerField(
        label="At most this many sessions per week", required=False, min_value=1, max_value=MAX_SESSIONS_PER_PERIOD,
        help_text="Weeks start on Monday, in the client's time zone. Leave empty for no limit.",
        error_messages={
            "invalid": "Enter a whole number of sessions, e.g. 2, or leave empty for no limit.",
            "min_value": "Enter at least 1 session, or leave empty for no limit.",
            "max_value": f"Enter at most {MAX_SESSIONS_PER_PERIOD} sessions, or leave empty for no limit.",
        },
    )
    max_sessions_per_month = forms.IntegerField(
        label="At most this many sessions per month", required=False, min_value=1,
        max_value=MAX_SESSIONS_PER_PERIOD,
        help_text="Calendar months, in the client's time zone. Leave empty for no limit.",
        error_messages={
            "invalid": "Enter a whole number of sessions, e.g. 8, or leave empty for no limit.",
            "min_value": "Enter at least 1 session, or leave empty for no limit.",
            "max_value": f"Enter at most {MAX_SESSIONS_PER_PERIOD} sessions, or leave empty for no limit.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("expiry_kind")
        if kind == ExpiryKind.NEVER:
            cleaned["expiry_days"] = None
        elif kind and cleaned.get("expiry_days") is None and "expiry_days" not in self.errors:
            self.add_error("expiry_days", "Enter after how many days the sessions expire.")
        if not cleaned.pop("book_reminder_enabled", False):
            cleaned["book_reminder_days"] = None
        elif cleaned.get("book_reminder_days") is None and "book_reminder_days" not in self.errors:
            self.add_error("book_reminder_days", "Enter after how many days without an upcoming session to remind "
                                                 "clients (1 to 365), or turn the reminder off.")
        return cleaned


class PurchaseLimitsForm(forms.Form):
    """Purchase limits (part of Policies): at most N orders per client (empty: no limit), and
    whether only new clients may order."""

    max_orders_per_client = forms.IntegerField(
        label="At most this many orders per client", required=False, min_value=1, max_value=MAX_ORDERS_PER_CLIENT,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ORDERS_PER_CLIENT, "inputmode": "numeric"}),
        help_text="Counted by email: paid orders and unpaid ones still waiting for payment. Empty: no limit.",
        error_messages={
            "invalid": "Enter a whole number of orders, e.g. 1, or leave it empty for no limit.",
            "min_value": "Enter at least 1, or leave it empty for no limit.",
            "max_value": f"Enter at most {MAX_ORDERS_PER_CLIENT}, or leave it empty for no limit.",
        },
    )
    new_clients_only = forms.BooleanField(
        label="New clients only", required=False,
        help_text="Only clients who have never paid for an order of yours can order this package.",
    )


class SoldAs:
    ONCE = "once"
    MEMBERSHIP = "membership"
    CHOICES = [(ONCE, "Once: the client pays one price for the sessions"),
               (MEMBERSHIP, "As a membership: billed every period, each paid period adds the sessions")]


class MembershipForm(forms.Form):
    """Membership: sold once, or billed every N weeks, months or years, and what unused sessions do
    at renewal. Cleans to the package's four fields (`billing_interval` empty when sold once)."""

    sold_as = forms.ChoiceField(label="Sell this package", choices=SoldAs.CHOICES, widget=forms.RadioSelect)
    billing_interval_count = forms.IntegerField(
        label="Bill every", required=False, min_value=1, max_value=MAX_INTERVAL_COUNT,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_INTERVAL_COUNT, "inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter a whole number, e.g. 1 for every month.",
            "min_value": "Bill every 1 or more weeks, months or years: an interval of 0 is no interval.",
            "max_value": f"Bill every {MAX_INTERVAL_COUNT} or fewer weeks, months or years.",
        },
    )
    billing_interval = forms.ChoiceField(label="Period", choices=BillingInterval.choices, required=False)
    renewal_rule = forms.ChoiceField(label="At renewal, unused sessions", choices=RenewalRule.choices,
                                     widget=forms.RadioSelect)
    rollover_cap = forms.IntegerField(
        label="Roll over at most (sessions per meeting type)", required=False, min_value=0, max_value=MAX_ROLLOVER_CAP,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_ROLLOVER_CAP, "inputmode": "numeric"}),
        help_text="Only for “Roll over”: unused sessions above this are lost at renewal. 0 rolls nothing over.",
        error_messages={
            "invalid": "Enter a whole number of sessions, e.g. 2.",
            "min_value": "The roll-over cap cannot be below 0: enter 0 to roll nothing over.",
            "max_value": f"Roll over at most {MAX_ROLLOVER_CAP} sessions.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        membership = cleaned.pop("sold_as", SoldAs.ONCE) == SoldAs.MEMBERSHIP
        if not membership:
            for name in ("billing_interval_count", "billing_interval", "rollover_cap"):
                self.errors.pop(name, None)
            cleaned.update(billing_interval="", billing_interval_count=1, rollover_cap=None,
                           renewal_rule=cleaned.get("renewal_rule") or RenewalRule.RESET)
            return cleaned
        if not cleaned.get("billing_interval") and "billing_interval" not in self.errors:
            self.add_error("billing_interval", "Choose week, month or year.")
        if cleaned.get("billing_interval_count") is None and "billing_interval_count" not in self.errors:
            self.add_error("billing_interval_count", "Enter how many weeks, months or years a period lasts, e.g. 1.")
        if cleaned.get("renewal_rule") == RenewalRule.ROLLOVER:
            if cleaned.get("rollover_cap") is None and "rollover_cap" not in self.errors:
                self.add_error("rollover_cap", "Enter how many unused sessions roll over at most (0 or more).")
        else:
            self.errors.pop("rollover_cap", None)
            cleaned["rollover_cap"] = None
        return cleaned


class ListingForm(forms.Form):
    listed = forms.BooleanField(
        label="Listed on my booking page", required=False,
        help_text="Off: the package is on no booking page and its public address does not sell it; "
                  "clients order it through its private link only.",
    )
