"""The waitlist's one form: a client's details (name, email, optional mobile)."""
from django import forms
from django.core.exceptions import ValidationError

from leadmonk.languages import translatable as _
from leadmonk.phones import normalize_mobile


class JoinForm(forms.Form):
    client_name = forms.CharField(label=_("Your name"), max_length=200,
                                  error_messages={"required": _("Enter your name.")})
    client_email = forms.EmailField(label=_("Email"), max_length=254, error_messages={
        "required": _("Enter your email: the seat is offered there."), "invalid": _("Enter a valid email address.")})
    client_phone = forms.CharField(label=_("Mobile number (optional: we also text you)"), max_length=32,
                                   required=False)

    def __init__(self, *args, zone: str = "", texts: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        if not texts:
            # The owner's plan sends no texts (MeetingType.sends_sms): no number is asked for a
            # text that would never come.
            del self.fields["client_phone"]

    def clean_client_phone(self) -> str:
        value = self.cleaned_data["client_phone"].strip()
        if not value:
            return ""
        try:
            return normalize_mobile(value, zone=self.zone or None)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
