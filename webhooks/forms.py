"""The form of Settings > Webhooks: it validates and converts (the address, the events)."""
import ipaddress
import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from leadmonk import net
from webhooks.models import EventType

# One label of a server name as DNS has it (after IDNA: "bücher" is "xn--bcher-kva"); the
# underscore of some development and internal names is let through.
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)


def _host_can_exist(host: str) -> bool:
    """Whether `host` is an IP address or a name some server could have (not "exa mple.com",
    "a..b" or "%00", which no lookup ever finds)."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        pass
    try:
        name = host.removesuffix(".").encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return len(name) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in name.split("."))


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
        if not _host_can_exist(parts.hostname):
            raise forms.ValidationError("That server name is not valid: check the address for a typo.")
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
