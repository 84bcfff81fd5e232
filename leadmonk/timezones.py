"""Time zone helpers: IANA names as strings in the database, zoneinfo at the edges."""
import zoneinfo
from datetime import datetime
from functools import lru_cache

from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import mark_safe

VIEWER_TZ_COOKIE = "tz"


@lru_cache(maxsize=1)
def all_timezones() -> list[str]:
    return sorted(
        name for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    ) + ["UTC"]


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in all_timezones()]


@lru_cache(maxsize=1)
def _timezone_names() -> frozenset[str]:
    return frozenset(all_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in _timezone_names()


@lru_cache(maxsize=128)
def timezone_options_html(selected: str) -> str:
    """The <option>s of a time zone <select>, `selected` chosen. Built once per zone: rendering
    400-odd options through the template engine cost more than the rest of the slot picker page."""
    return mark_safe("".join(
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>{escape(label)}</option>'
        for value, label in timezone_choices()
    ))


def viewer_timezone(request: HttpRequest, default: str) -> str:
    """The zone a public page is shown in: ?tz=, then the cookie set by the browser script, then `default`."""
    for candidate in (request.GET.get("tz"), request.COOKIES.get(VIEWER_TZ_COOKIE)):
        if candidate and is_valid_timezone(candidate):
            return candidate
    return default


def localize(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(zoneinfo.ZoneInfo(tz_name))
