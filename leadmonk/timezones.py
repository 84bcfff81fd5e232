"""Time zone and clock helpers: IANA names as strings in the database, zoneinfo at the edges, and
the viewer's display choices (zone, 12- or 24-hour clock) read from the request and remembered."""
import zoneinfo
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from leadmonk.languages import date_formats

VIEWER_TZ_COOKIE = "tz"
CLOCK_COOKIE = "clock"
CLOCKS = ("12", "24")
# A year: a viewer's zone and clock are preferences, not secrets; the browser script sets the
# zone cookie with the same lifetime.
PREFERENCE_MAX_AGE = 365 * 24 * 3600
# Languages (and language-regions) whose people read times on a 12-hour clock. Everyone else
# (en-GB, de, fr, ...) gets 24 hours. A bare "en" follows the United States, as browsers do.
_TWELVE_HOUR_LOCALES = frozenset({
    "en", "en-us", "en-ca", "en-au", "en-nz", "en-in", "en-ph", "en-pk", "es-us", "es-mx", "hi", "bn",
    "ar", "ko", "ur", "zh-tw",
})


@lru_cache(maxsize=1)
def all_timezones() -> list[str]:
    return sorted(
        name for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    ) + ["UTC"]


@lru_cache(maxsize=1)
def _timezone_names() -> frozenset[str]:
    return frozenset(all_timezones())


def zone_label(name: str) -> str:
    """A zone's name as people read it: "America/New York" for "America/New_York"."""
    return name.replace("_", " ")


def is_valid_timezone(name: str) -> bool:
    return name in _timezone_names()


@lru_cache(maxsize=1)
def _zones_by_typed_name() -> dict[str, str]:
    """What a person may type for a zone, lowercased: its full name ("europe/berlin", with spaces
    or underscores) and, where only one zone has it, its city ("berlin", "new york")."""
    typed: dict[str, str] = {}
    cities: dict[str, list[str]] = {}
    for name in all_timezones():
        typed[name.lower()] = name
        typed[name.lower().replace("_", " ")] = name
        city = name.rsplit("/", 1)[-1].lower().replace("_", " ")
        cities.setdefault(city, []).append(name)
    for city, names in cities.items():
        if len(names) == 1:
            typed.setdefault(city, names[0])
    return typed


def resolve_timezone(text: str | None) -> str | None:
    """The zone a person typed or picked ("Europe/Berlin", "europe/berlin", "Berlin", "New York"),
    or None when it names no zone we list."""
    if not text or not isinstance(text, str) or len(text) > 64:
        return None
    return _zones_by_typed_name().get(" ".join(text.split()).lower())


@lru_cache(maxsize=1)
def timezone_datalist_html() -> str:
    """The <option>s of the searchable zone field's <datalist> (typing "Berl" offers Europe/Berlin).
    Built once: the same for every viewer."""
    return mark_safe("".join(f'<option value="{escape(name)}"></option>' for name in all_timezones()))


def _cookie_zone(request: HttpRequest) -> str:
    # The browser script stores encodeURIComponent(zone): "Europe%2FBerlin". Django hands cookie
    # values over as sent, so decode before comparing with zone names.
    return unquote(request.COOKIES.get(VIEWER_TZ_COOKIE) or "")


def viewer_timezone(request: HttpRequest, default: str, *, cookie: bool = True) -> str:
    """The zone a page is shown in: ?tz= (a name or a city, see resolve_timezone), then the cookie
    (set by the browser script, or by remember_viewer_choices), then `default`.

    The cookie is the *client's* zone, for client pages. An owner's page passes `cookie=False`: it
    shows the owner's zone from Settings (`default`), or a zone switched to on that page (?tz=),
    never a zone left in the browser by a visit to a booking page as a client."""
    for candidate in (request.GET.get("tz"), _cookie_zone(request) if cookie else None):
        zone = resolve_timezone(candidate)
        if zone:
            return zone
    return default


def requested_timezone_error(request: HttpRequest) -> str:
    """A message for a ?tz= that names no zone ("" when there is none or it is fine)."""
    typed = request.GET.get("tz")
    if typed is None or resolve_timezone(typed):
        return ""
    return gettext("We don't know that time zone. Type a city or a region, for example Europe/Berlin, "
                   "and pick it from the list.")


def _locale_clock(accept_language: str) -> str:
    """'12' or '24' from the first language of an Accept-Language header ("de-DE,de;q=0.9")."""
    first = accept_language.split(",", 1)[0].split(";", 1)[0].strip().lower()
    if not first or first == "*":
        return "12"
    if first in _TWELVE_HOUR_LOCALES:
        return "12"
    language = first.split("-", 1)[0]
    if "-" not in first and language in _TWELVE_HOUR_LOCALES:
        return "12"
    return "24"


def viewer_clock(request: HttpRequest) -> str:
    """'12' or '24': ?clock=, then the remembered choice, then the browser's language."""
    for candidate in (request.GET.get("clock"), request.COOKIES.get(CLOCK_COOKIE)):
        if candidate in CLOCKS:
            return candidate
    return _locale_clock(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


def time_format(clock: str) -> str:
    """The Django date format of a time on `clock` ('12' -> "g:i A", '24' -> "H:i")."""
    return "H:i" if clock == "24" else "g:i A"


def clock_formats(clock: str) -> dict[str, str]:
    """The Django date formats of a time, a date with a time and a weekday with a time on `clock`,
    so every page writes "1 Dec 2026, 7:00 PM" (or "19:00") the same way; in German "1. Dez. 2026,
    19:00", in the active language (leadmonk.languages)."""
    time = time_format(clock)
    dates = date_formats()
    return {"time": time, "datetime": f"{dates['date']}, {time}", "day_datetime": f"{dates['day_date']}, {time}",
            "short_datetime": f"{dates['short']}, {time}",
            "long_datetime": f"{dates['long_date']}{dates['joiner']}{time}",
            "date": dates["date"], "long_date": dates["long_date"], "day_long": dates["message_day"],
            "day_long_24": f"{dates['message_day']}, H:i",
            "day_date": dates["day_date"], "day_month_year": dates["day_month_year"]}


def remember_viewer_choices(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Keep a zone or clock chosen on one page (?tz=, ?clock=) for the next pages, with or without
    JavaScript. The zone is stored encoded, as the browser script stores it."""
    zone = resolve_timezone(request.GET.get("tz"))
    if zone and zone != _cookie_zone(request):
        response.set_cookie(VIEWER_TZ_COOKIE, quote(zone, safe=""), max_age=PREFERENCE_MAX_AGE, samesite="Lax",
                            secure=request.is_secure())
    clock = request.GET.get("clock")
    if clock in CLOCKS and clock != request.COOKIES.get(CLOCK_COOKIE):
        response.set_cookie(CLOCK_COOKIE, clock, max_age=PREFERENCE_MAX_AGE, samesite="Lax", secure=request.is_secure())
    return response


def localize(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(zoneinfo.ZoneInfo(tz_name))
