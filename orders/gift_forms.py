"""The gift part of the order form ("This is a gift") and the buyer's form that changes the
recipient's email. The rules on the send day are orders.gifts.send_day_refusal."""
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from leadmonk.languages import translatable as _
from orders.clients import normalize_email
from orders.gifts import GiftDetails, send_day_refusal

BAD_EMAIL = _("Enter the recipient's email address, e.g. name@example.com.")


def _clean_recipient_email(value: str) -> str:
    email = normalize_email(value)
    if not email:
        raise ValidationError(BAD_EMAIL)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(BAD_EMAIL) from None
    return email


class GiftForm(forms.Form):
    """Embedded in the order form (prefix "gift"). Its fields are read only when "This is a gift"
    is ticked, so whatever is left in them otherwise changes nothing. Text fields, parsed in
    clean(), for that reason. `zone` (the buyer's) is set by the order form before validation."""

    is_gift = forms.BooleanField(label=_("This is a gift"), required=False)
    recipient_name = forms.CharField(label=_("Recipient's name"), required=False, max_length=200,
                                     error_messages={"max_length": _("Keep the name under 200 characters.")})
    recipient_email = forms.CharField(label=_("Recipient's email"), required=False, max_length=254,
                                      widget=forms.EmailInput,
                                      error_messages={"max_length": BAD_EMAIL})
    message = forms.CharField(label=_("Your message (optional)"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Shown to the recipient in the gift email."),
                              error_messages={"max_length": _("Keep the message under 1,000 characters.")})
    send_on = forms.CharField(label=_("Day to send it"), required=False, max_length=10,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=_("The recipient gets the email that morning; today sends it at once."),
                              error_messages={"max_length": _("Enter the day as YYYY-MM-DD, e.g. 2026-12-24.")})

    zone = "UTC"

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("is_gift"):
            # Not a gift: what was typed in the (visible without JavaScript) gift fields is ignored.
            self._errors.clear()
            return {"is_gift": False}
        if not (cleaned.get("recipient_name") or "").strip() and "recipient_name" not in self._errors:
            self.add_error("recipient_name", _("Enter the recipient's name."))
        if "recipient_email" not in self._errors:
            try:
                cleaned["recipient_email"] = _clean_recipient_email(cleaned.get("recipient_email", ""))
            except ValidationError as error:
                self.add_error("recipient_email", error)
        if "send_on" not in self._errors:
            self._clean_send_on(cleaned)
        return cleaned

    def _clean_send_on(self, cleaned: dict) -> None:
        text = (cleaned.get("send_on") or "").strip()
        if not text:
            self.add_error("send_on", _("Choose the day to send the gift."))
            return
        try:
            send_on = date.fromisoformat(text)
        except ValueError:
            self.add_error("send_on", _("Enter the day as YYYY-MM-DD, e.g. 2026-12-24."))
            return
        refusal = send_day_refusal(send_on, zone_name=self.zone)
        if refusal:
            self.add_error("send_on", refusal)
        else:
            cleaned["send_on"] = send_on

    def details(self) -> GiftDetails | None:
        """The gift as order_create takes it; None when the order is not a gift."""
        data = self.cleaned_data
        if not data.get("is_gift"):
            return None
        return GiftDetails(recipient_name=data["recipient_name"].strip(), recipient_email=data["recipient_email"],
                           message=data["message"].strip(), send_on=data["send_on"])


class GiftEmailForm(forms.Form):
    """The buyer corrects the recipient's email on the gift page."""

    recipient_email = forms.CharField(label=_("Recipient's email"), max_length=254, widget=forms.EmailInput,
                                      error_messages={"required": BAD_EMAIL, "max_length": BAD_EMAIL})

    def clean_recipient_email(self) -> str:
        return _clean_recipient_email(self.cleaned_data["recipient_email"])
