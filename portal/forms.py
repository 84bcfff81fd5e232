"""The one form of the client portal: the email to send a sign-in link to."""
from django import forms

from leadmonk.client_email import normalize_email
from leadmonk.languages import translatable as _


class FindBookingsForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("The address you ordered or booked with. We email you a link that signs you in."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter the email address you ordered or booked with."),
            "invalid": _("Enter a whole email address, like name@example.com."),
        },
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])
