"""Forms of the orders app: the order form built from a package's Invitee Preferences and
the owner's order list filters. (Booking a session and cancelling use scheduling.booking_forms.)"""
from django import forms

from leadmonk.client_email import normalize_email
from leadmonk.languages import translatable as _
from leadmonk.phones import normalize_mobile
from leadmonk.timezones import is_valid_timezone
from leadmonk.widgets import FastSelect, FastTextInput
from orders.gift_forms import GiftForm
from orders.models import OrderStatus
from orders.services import gift_refusal
from packages.models import NameFormat, Package, QuestionKind
from scheduling.booking_forms import SessionConfirmForm


def question_fields(questions) -> dict[str, forms.Field]:
    """The form fields of a package's invitee questions, by field name (the client's order form
    and the owner's "New order" ask them alike)."""
    return {OrderForm.question_field_name(question): OrderForm._question_field(question) for question in questions}


def question_answers(questions, cleaned_data: dict) -> list[dict]:
    """The answers as stored on the order: the question text and kind as asked, and the answer."""
    answers = []
    for question in questions:
        value = cleaned_data.get(OrderForm.question_field_name(question))
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            value = list(value or [])
        elif question.kind == QuestionKind.CHECKBOX:
            value = bool(value)
        else:
            value = (value or "").strip()
        answers.append({"question": question.text, "kind": question.kind, "answer": value})
    return answers


def required_answer_message(question) -> str:
    """What a client must do to answer a required question, named so it is found in a long form."""
    text = question.text if len(question.text) <= 80 else question.text[:79].rstrip() + "…"
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return _("Choose an answer to “%(question)s”.") % {"question": text}
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return _("Choose at least one answer to “%(question)s”.") % {"question": text}
    if question.kind == QuestionKind.CHECKBOX:
        return _("Tick “%(question)s” to order this package.") % {"question": text}
    return _("Enter your answer to “%(question)s”.") % {"question": text}


class OrderForm(forms.Form):
    """The order form of one package: fields follow its Invitee Preferences and questions."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Enter your email address."), "invalid": _("Enter a valid email address.")},
    )
    client_timezone = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-detect-timezone": "force"})
    )

    def __init__(self, *args, package: Package, **kwargs):
        super().__init__(*args, **kwargs)
        self.package = package
        name_fields: dict[str, forms.Field] = {}
        if package.name_format == NameFormat.FIRST_LAST:
            name_fields["first_name"] = forms.CharField(
                label=_("First name"),
                max_length=100,
                widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
                error_messages={"required": _("Enter your first name.")},
            )
            name_fields["last_name"] = forms.CharField(
                label=_("Last name"),
                max_length=100,
                widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
                error_messages={"required": _("Enter your last name.")},
            )
        else:
            name_fields["full_name"] = forms.CharField(
                label=_("Full name"),
                max_length=200,
                widget=forms.TextInput(attrs={"autocomplete": "name"}),
                error_messages={"required": _("Enter your name.")},
            )
        # Name first, then email, then the rest: rebuild the order.
        self.fields = {**name_fields, **self.fields}
        if package.requires_mobile:
            self.fields["mobile"] = forms.CharField(
                label=_("Mobile number"),
                max_length=32,
                help_text=_("As you write it at home, or with its country code, e.g. +1 415 555 0100."),
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
                error_messages={"required": _("Enter your mobile number with its country code, e.g. +1 415 555 0100.")},
            )
        self.questions = list(package.questions.all())
        for question in self.questions:
            self.fields[self.question_field_name(question)] = self._question_field(question)
        if package.terms:
            self.fields["accept_terms"] = forms.BooleanField(
                label=_("I accept the Payment Terms and Conditions"),
                required=True,
                error_messages={"required": _("Accept the Payment Terms and Conditions to order this package.")},
            )
        self.fields["client_timezone"] = self.fields.pop("client_timezone")
        # "This is a gift" and its fields, shown in their own fieldset (orders/_gift_fields.html).
        self.gift_form = GiftForm(self.data if self.is_bound else None, prefix="gift")
        # Not for a membership or a package paid in instalments (orders.services.gift_refusal).
        self.giftable = gift_refusal(package) is None

    @staticmethod
    def question_field_name(question) -> str:
        return f"question_{question.pk}"

    @staticmethod
    def _question_field(question) -> forms.Field:
        field = OrderForm._question_input(question)
        if question.required:
            # Marked on the form (see _form.html) and refused with words that say what to enter.
            field.mark_required = True
            if not isinstance(field, forms.ChoiceField):  # radio and checkbox groups: the legend says it
                field.widget.attrs["aria-required"] = "true"
            field.error_messages["required"] = required_answer_message(question)
        if isinstance(field, forms.ChoiceField):
            field.error_messages["invalid_choice"] = _("Choose one of the answers listed.")
        return field

    @staticmethod
    def _question_input(question) -> forms.Field:
        label, required = question.text, question.required
        choices = [(choice, choice) for choice in (question.choices or []) if str(choice).strip()]
        if question.kind == QuestionKind.LONG_TEXT:
            return forms.CharField(
                label=label, required=required, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
            )
        if question.kind == QuestionKind.SINGLE_CHOICE:
            return forms.ChoiceField(label=label, required=required, choices=choices, widget=forms.RadioSelect)
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(
                label=label, required=required, choices=choices, widget=forms.CheckboxSelectMultiple
            )
        if question.kind == QuestionKind.CHECKBOX:
            return forms.BooleanField(label=label, required=required)
        return forms.CharField(label=label, required=required, max_length=500)

    def clean_mobile(self) -> str:
        # Without its country code, read as the country of the zone the browser gave writes it.
        return normalize_mobile(self.cleaned_data["mobile"], zone=self.data.get(self.add_prefix("client_timezone")))

    def clean_client_timezone(self) -> str:
        name = self.cleaned_data.get("client_timezone") or ""
        return name if is_valid_timezone(name) else (self.package.owner.timezone or "UTC")

    def clean(self) -> dict:
        cleaned = super().clean()
        self.gift_form.zone = cleaned.get("client_timezone") or "UTC"  # "today" is the buyer's
        if not self.gift_form.is_valid():
            raise forms.ValidationError(_("Check the gift details below."))
        refusal = gift_refusal(self.package)
        if refusal is not None and self.gift_form.cleaned_data.get("is_gift"):
            raise forms.ValidationError(refusal.message)  # its page shows no gift box
        return cleaned

    def answers(self) -> list[dict]:
        """The answers as stored on the order: the question text and kind as asked, and the answer."""
        return question_answers(self.questions, self.cleaned_data)

    def client_details(self) -> dict:
        data = self.cleaned_data
        if "full_name" in self.fields:
            first, last, name = "", "", data["full_name"].strip()
        else:
            first, last = data["first_name"].strip(), data["last_name"].strip()
            name = f"{first} {last}"
        return {
            "client_name": name,
            "client_first_name": first,
            "client_last_name": last,
            "client_email": normalize_email(data["email"]),
            "client_phone": data.get("mobile", ""),
            "client_timezone": data["client_timezone"],
            "terms_accepted": bool(data.get("accept_terms")),
            "answers": self.answers(),
            "gift": self.gift_form.details(),
        }


class PromoCodeForm(forms.Form):
    """The order form's "Promo code" with its own "Apply" button (orders.public_views.order_package).
    Its own form, so the order page can show it after the client's details and before the total."""

    promo_code = forms.CharField(
        label=_("Promo code"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"max_length": _("A promo code is at most 40 characters.")},
    )

    def code(self) -> str:
        return (self.cleaned_data.get("promo_code") or "").strip() if self.is_valid() else ""


class OrderFilterForm(forms.Form):
    """The filters of the owner's order list; bad values are ignored rather than refused."""

    q = forms.CharField(label="Search", required=False, max_length=200,
                        widget=FastTextInput(attrs={"type": "search", "placeholder": "Client name or email"}))
    status = forms.ChoiceField(label="Status", required=False, widget=FastSelect,
                               choices=[("", "All statuses"), *OrderStatus.choices])
    package = forms.TypedChoiceField(label="Package", required=False, coerce=int, empty_value=None, widget=FastSelect)

    def __init__(self, *args, packages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].choices = [("", "All packages"), *((package.pk, package.name) for package in packages)]


class OrderExtendForm(forms.Form):
    """The owner moves an order's expiry later by a number of days."""

    days = forms.IntegerField(
        label="Extend by (days)", min_value=1, max_value=3650,
        error_messages={"required": "Enter a number of days, e.g. 30.",
                        "invalid": "Enter a whole number of days, e.g. 30.",
                        "min_value": "Extend by at least 1 day.",
                        "max_value": "Extend by at most 3650 days (10 years)."},
    )


class CreditAdjustForm(forms.Form):
    """The owner's manual adjustment of an item's credits: ± n sessions with a reason."""

    item = forms.TypedChoiceField(label="Session", coerce=int)
    change = forms.IntegerField(
        label="Sessions to add or remove", min_value=-1000, max_value=1000,
        help_text="A positive number adds sessions, a negative one (e.g. -1) removes them.",
        error_messages={
            "required": "Enter a number of sessions, e.g. 1 or -1.",
            "invalid": "Enter a whole number of sessions, e.g. 1 or -1.",
            "min_value": "Remove at most 1,000 sessions at a time.",
            "max_value": "Add at most 1,000 sessions at a time.",
        },
    )
    note = forms.CharField(
        label="Reason", max_length=500, help_text="Shown in the credit ledger, e.g. \"Make-up session\".",
        error_messages={"required": "Say why you adjust the credits.",
                        "max_length": "Keep the reason under 500 characters."},
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.pk, item.meeting_type_name) for item in items]
        if len(self.fields["item"].choices) == 1:
            self.fields["item"].initial = self.fields["item"].choices[0][0]

    def clean_change(self) -> int:
        change = self.cleaned_data["change"]
        if change == 0:
            raise forms.ValidationError("Enter a number of sessions to add or remove (not 0).")
        return change


class OwnerSessionForm(SessionConfirmForm):
    """The owner's "Book for client" confirm step: the time (and the number when needed), and on an
    order with a booking limit, booking over it with a note saying why (kept with the session, shown
    on the order page)."""

    override_limit = forms.BooleanField(label="Book over this package's booking limit", required=False)
    override_note = forms.CharField(
        label="Why (shown beside the session on the order page)", required=False, max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "e.g. make-up session agreed with the client"}),
    )

    def __init__(self, *args, limited: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not limited:  # no limit to go over: the time is all there is to confirm
            del self.fields["override_limit"], self.fields["override_note"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("override_limit"):
            cleaned["override_note"] = ""
        elif "override_limit" in self.fields and not (cleaned.get("override_note") or "").strip():
            self.add_error("override_note", "Say why you book over the limit: the note is kept with the session.")
        return cleaned
