"""Forms of the client-facing booking pages: the client's details, a chosen time, a cancel reason.
They validate and convert (a mobile number becomes E.164, a time an aware UTC datetime)."""
import datetime as dt

from django import forms

from leadmonk.phones import normalize_mobile
from leadmonk.timezones import is_valid_timezone
from scheduling.models import Attendance
from scheduling.selectors import parse_slot_start

TIME_UNAVAILABLE = "That time is no longer available. Please pick another time."
SAME_TIME = "That is already the session's time. Please pick a different time."
OVERLAPS_CHOSEN = "That time overlaps a session you have chosen. Please pick another time."


class SlotStartField(forms.Field):
    """The chosen start, sent as an ISO 8601 UTC string; cleans to an aware UTC datetime.
    Every bad value (missing, malformed, naive, absurdly long) gets the same "pick another time"."""

    widget = forms.HiddenInput
    default_error_messages = {"required": TIME_UNAVAILABLE, "invalid": TIME_UNAVAILABLE}

    def to_python(self, value) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        parsed = parse_slot_start(str(value))
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class SlotForm(forms.Form):
    """The time chosen in the picker, posted by every confirm step (a booking, a session of an
    order, a move). Pages that ask for more (the client's details) subclass it."""

    start = SlotStartField()

    def clean(self):
        # A hidden field's error is invisible next to the field: show it at the top of the form.
        cleaned = super().clean()
        if "start" in self.errors:
            for message in self.errors.pop("start"):
                self.add_error(None, message)
        return cleaned


class BookingDetailsForm(SlotForm):
    client_name = forms.CharField(label="Your name", max_length=200)
    client_email = forms.EmailField(label="Email", max_length=254)
    client_phone = forms.CharField(label="Mobile number", max_length=32, required=False)
    client_timezone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, requires_mobile: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.requires_mobile = requires_mobile
        phone = self.fields["client_phone"]
        phone.required = requires_mobile
        phone.help_text = "As you write it at home, or with your country code, e.g. +1 415 555 0100." + (
            " We text you a reminder." if requires_mobile else " Optional."
        )
        phone.error_messages["required"] = "Please enter your mobile number: this meeting needs one."
        phone.widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
        self.fields["client_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["client_email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["client_name"].error_messages["required"] = "Please enter your name."
        self.fields["client_email"].error_messages["required"] = "Please enter your email address."

    def clean_client_name(self) -> str:
        name = " ".join(self.cleaned_data["client_name"].split())
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def clean_client_phone(self) -> str:
        value = self.cleaned_data.get("client_phone", "")
        if not value.strip():
            return ""
        # A number without its country code is read as the visitor's country writes it: the zone
        # their browser gave (the hidden field), else the zone the page was shown in.
        zone = self.data.get(self.add_prefix("client_timezone")) or self.initial.get("client_timezone")
        return normalize_mobile(value, zone=zone)

    def clean_client_timezone(self) -> str:
        value = self.cleaned_data.get("client_timezone", "")
        return value if value and is_valid_timezone(value) else ""




REASON_REFUSED = "The reason is too long (2,000 characters at most) or has characters we can't store."


class CancelForm(forms.Form):
    """The reason given when a session or an order is cancelled, by the client or the owner.
    Pages change only the wording of the label."""

    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shared with the other person in the cancellation email.",
        error_messages={"max_length": REASON_REFUSED, "null_characters_not_allowed": REASON_REFUSED},
    )

    def __init__(self, *args, reason_label: str | None = None, reason_help: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_label is not None:
            self.fields["reason"].label = reason_label
        if reason_help is not None:
            self.fields["reason"].help_text = reason_help

    def error_message(self) -> str:
        """The one thing wrong with the reason, for a message at the top of the page it came from."""
        return REASON_REFUSED


class AttendanceForm(forms.Form):
    """The owner's mark on a session that has taken place."""

    attendance = forms.ChoiceField(
        choices=[(Attendance.ATTENDED, "Attended"), (Attendance.NO_SHOW, "No-show")],
        error_messages={"required": "Choose attended or no-show.",
                        "invalid_choice": "Choose attended or no-show."},
    )
