"""The form of Settings > Webhooks: it validates and converts (the address, the events)."""
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from leadmonk import net
from webhooks.models import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(label="Endpoint address", max_length=2000,
                          help_text="Where we POST each event, e.g. https://example.com/hooks/leadmonk")
    description = forms.CharField(label="Description", max_length=200, required=False,
                                  help_text="What it is for, for your own records.")
    events = forms.MultipleChoiceField(label="Events to send", choices=EventType.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Choose at least one event."})

    def clean_url(self) -> str:
        value = self.cleaned_data["url"].strip()
        try:
            value = net.check_url(value)
        except net.FetchError as error:
            raise forms.ValidationError(str(error)) from error
        parts = urlsplit(value)
        if settings.WEBHOOK_REQUIRE_HTTPS and parts.scheme != "https":
            raise forms.ValidationError("Enter an address that starts with https:// (events carry your clients' "
                                        "details and are sent encrypted only).")
        if parts.username or parts.password:
            raise forms.ValidationError("Leave the user name and password out of the address: each event is "
                                        "signed with the endpoint's secret instead.")
        if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
            # Checked here for a clear message, and again where each delivery connects (a name
            # that resolves elsewhere later gains nothing). A name that does not resolve yet is
            # allowed: its deliveries fail visibly until it does.
            try:
                net.public_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
            except net.AddressRefused as error:
                raise forms.ValidationError(str(error)) from error
            except net.FetchError:
                pass
        return value
