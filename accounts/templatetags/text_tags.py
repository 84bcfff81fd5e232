"""Template filters for text shown to people: email addresses that wrap at sensible places, and
time zone names as the picker writes them ("America/New York")."""
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from leadmonk.timezones import zone_label

register = template.Library()

# An address has no spaces, so a browser can only wrap a long one by cutting it anywhere
# ("jamie.client@exam" / "ple.com"). A <wbr> before "@" and after each "." "-" "_" "+" in the
# domain and the local part lets it wrap where a reader expects.
_BREAK_AFTER = re.compile(r"([.\-_+])")


@register.filter(is_safe=True)
def email_wrap(value) -> SafeString:
    """`{{ order.client_email|email_wrap }}`: the address, escaped, in a span that wraps at its parts."""
    text = str(value or "")
    if not text:
        return mark_safe("")
    local, at, domain = text.partition("@")
    pieces = [_BREAK_AFTER.sub(r"\1<wbr>", escape(local))]
    if at:
        pieces.append("<wbr>@" + _BREAK_AFTER.sub(r"\1<wbr>", escape(domain)))
    return mark_safe('<span class="email">' + "".join(pieces) + "</span>")


@register.filter
def zone_name(value) -> str:
    """`{{ viewer_tz|zone_name }}`: "America/New_York" as people read it, "America/New York", the way
    the time picker and the zone field label it."""
    return zone_label(str(value or ""))
