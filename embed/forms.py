"""Settings › Embed: the websites allowed to show the booking pages. Each line is turned into an
origin for CSP `frame-ancestors`; anything that would widen it (a wildcard) or that a browser would
not match (a path, a query) is refused with the reason."""
import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address

MAX_SITES = 20
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


def site_origin(line: str) -> str:
    """`https://coach.example` from "coach.example", "https://coach.example/" or
    "https://Coach.example:8443"; ValidationError saying what is wrong otherwise."""
    text = line.strip()
    if "*" in text:
        raise ValidationError(f"“{text}”: wildcards are not allowed. List each site on its own line.")
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"“{line.strip()}” is not a website address.") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError(f"“{line.strip()}”: only https:// sites can show your booking page.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValidationError(
            f"“{line.strip()}”: give the site without a path, like {parts.scheme}://{parts.hostname or 'example.com'}."
        )
    if parts.username or parts.password:
        raise ValidationError(f"“{line.strip()}”: a website address has no user name or password.")
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationError(f"“{line.strip()}” is not a website address.")
    is_local = host in _LOCAL_HOSTS or f"[{host}]" in _LOCAL_HOSTS
    if not is_local:
        try:
            validate_ipv46_address(host)
        except ValidationError:
            try:  # a name in letters beyond ASCII: its xn-- form, the one browsers match frame-ancestors with
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise ValidationError(f"“{line.strip()}” is not a website address.") from None
            labels = host.rstrip(".").split(".")
            if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
                raise ValidationError(f"“{line.strip()}” is not a website address.") from None
    if parts.scheme == "http" and not (settings.DEBUG and is_local):
        raise ValidationError(f"“{line.strip()}”: only https:// sites can show your booking page.")
    shown_host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown_host}" + (f":{port}" if port else "")


class EmbedSitesForm(forms.Form):
    sites = forms.CharField(
        label="Websites that may show your booking pages",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "https://www.your-site.com"}),
        help_text="One site a line, like https://www.your-site.com. No other site can show your pages.",
    )

    def clean_sites(self) -> list[str]:
        lines = [line for line in self.cleaned_data["sites"].splitlines() if line.strip()]
        if len(lines) > MAX_SITES:
            raise ValidationError(f"At most {MAX_SITES} sites.")
        origins, errors = [], []
        for line in lines:
            try:
                origin = site_origin(line)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            if origin not in origins:
                origins.append(origin)
        if errors:
            raise ValidationError(errors)
        return origins
