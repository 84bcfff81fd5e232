"""Forms of the client-facing booking pages: the client's details, a chosen time, a cancel reason.
They validate and convert (a mobile number becomes E.164, a time an aware UTC datetime)."""
import datetime as dt

from django import forms

from leadmonk.languages import translatable as _
from leadmonk.phones import normalize_mobile
from leadmonk.timezones import is_valid_timezone
from scheduling.models import Attendance
from scheduling.selectors import parse_slot_start

TIME_UNAVAILABLE = _("That time is no longer available. Please pick another time.")
SAME_TIME = _("That is already the session's time. Please pick a different time.")
OVERLAPS_CHOSEN = _("That time overlaps a session you have chosen. Please pick another time.")


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


# The label and the messages of the client's number, on every page that asks for it: a meeting
# booked on its own page and a session of an order (the client's and the owner's pages).
MOBILE_LABEL = _("Mobile number")
MOBILE_HELP = _("As you write it at home, or with your country code, e.g. +1 415 555 0100.")
MOBILE_HELP_REMINDER = _(
    "As you write it at home, or with your country code, e.g. +1 415 555 0100. We text you a reminder.")
MOBILE_HELP_OPTIONAL = _(
    "As you write it at home, or with your country code, e.g. +1 415 555 0100. Optional.")
MOBILE_HELP_CALL = _(
    "As you write it at home, or with your country code, e.g. +1 415 555 0100. We call you on it.")
MOBILE_REQUIRED = _("Please enter your mobile number: this meeting needs one.")
CLIENT_MOBILE_HELP = ("The client's, as written in their country or with its country code, e.g. +1 415 555 0100. "
                      "It is kept on the order.")
CLIENT_MOBILE_REQUIRED = "Please enter the client's mobile number: this meeting needs one (you call them)."


def mobile_field(*, required: bool, help_text: str, required_message: str = MOBILE_REQUIRED) -> forms.CharField:
    return forms.CharField(
        label=MOBILE_LABEL, max_length=32, required=required, help_text=help_text,
        error_messages={"required": required_message},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


def clean_mobile(value: str, *, zone: str | None = None) -> str:
    """"" for a blank number (the field says when one is required), else the number as E.164 (one
    without its country code read as the country of `zone` writes it: leadmonk.phones)."""
    return normalize_mobile(value, zone=zone) if value and value.strip() else ""


class BookingDetailsForm(SlotForm):
    client_name = forms.CharField(label=_("Your name"), max_length=200)
    client_email = forms.EmailField(label=_("Email"), max_length=254)
    client_phone = mobile_field(required=False, help_text="")
    client_timezone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, requires_mobile: bool = False, texts_reminders: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.requires_mobile = requires_mobile
        phone = self.fields["client_phone"]
        phone.required = requires_mobile
        # "We text you a reminder" only where one is texted (MeetingType.texts_reminders: on, and the
        # owner's plan sends texts).
        phone.help_text = ((MOBILE_HELP_REMINDER if texts_reminders else MOBILE_HELP) if requires_mobile
                           else MOBILE_HELP_OPTIONAL)
        self.fields["client_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["client_email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["client_name"].error_messages["required"] = _("Please enter your name.")
        self.fields["client_email"].error_messages["required"] = _("Please enter your email address.")
        # Django's own German says "du"; the pages say "Sie" (the catalog's wording of the same text).
        self.fields["client_email"].error_messages["invalid"] = _("Enter a valid email address.")

    def clean_client_name(self) -> str:
        name = " ".join(self.cleaned_data["client_name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        return name

    def clean_client_phone(self) -> str:
        # A number without its country code is read as the visitor's country writes it: the zone
        # their browser gave (the hidden field), else the zone the page was shown in.
        zone = self.data.get(self.add_prefix("client_timezone")) or self.initial.get("client_timezone")
        return clean_mobile(self.cleaned_data.get("client_phone", ""), zone=zone)

    def clean_client_timezone(self) -> str:
        value = self.cleaned_data.get("client_timezone", "")
        return value if value and is_valid_timezone(value) else ""


class ClientPhoneForm(forms.Form):
    """The client's number, asked when booking a session of an order whose meeting needs one (the
    host calls the client) and the order has none (its package did not ask): `requires_mobile` adds
    the field, `for_owner` words it for the owner booking on the client's behalf. Without the field
    it cleans to no number."""

    def __init__(self, *args, requires_mobile: bool = False, for_owner: bool = False, zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone  # the client's (the order's): how to read a number without its country code
        if requires_mobile:
            self.fields["client_phone"] = mobile_field(
                required=True, help_text=CLIENT_MOBILE_HELP if for_owner else MOBILE_HELP_CALL,
                required_message=CLIENT_MOBILE_REQUIRED if for_owner else MOBILE_REQUIRED)

    def clean_client_phone(self) -> str:
        return clean_mobile(self.cleaned_data.get("client_phone", ""), zone=self.zone)


class SessionConfirmForm(ClientPhoneForm, SlotForm):
    """The confirm step of one session of an order: the time, and the number when it is needed."""




REASON_REFUSED = _("The reason is too long (2,000 characters at most) or has characters we can't store.")


class CancelForm(forms.Form):
    """The reason given when a session or an order is cancelled, by the client or the owner.
    Pages change only the wording of the label."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shared with the other person in the cancellation email."),
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
