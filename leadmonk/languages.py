"""The client's language: which one a client page speaks, and how it writes dates and amounts there.

Client pages (booking pages, orders, checkout, the portal, error pages) and client messages are
translated (locale/de, locale/es); the dashboard stays in English. LanguageMiddleware activates
English everywhere, and on client pages the visitor's language (the switcher's cookie, else
Accept-Language). A page of an owner then follows the owner's choice in Settings
(`User.page_language`): a fixed language, or VISITOR, the visitor's.

Formats: Django's own (the `date` filter and `formats.number_format` with the active language's
formats) rather than Babel: Django already ships the German and Spanish month and day names and
separators, and a date format string per language is all the pages need; no second source of
locale data to keep in step. Amounts follow one small table here ("400,00 €" in German and
Spanish); English keeps the form every existing page and email writes ("400.00 USD").
"""
from __future__ import annotations

from contextvars import ContextVar
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpRequest
from django.utils import translation
from django.utils.numberformat import format as number_format

ENGLISH = "en"
VISITOR = "visitor"
# What Settings offers (the stored value, the name in its own language).
PAGE_LANGUAGE_CHOICES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    (VISITOR, "The visitor's language"),
]
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "es": "Español"}
COOKIE = "django_language"  # settings.LANGUAGE_COOKIE_NAME, Django's own name

# Paths that are never a client page: the dashboard and what only an owner or the product sees.
# Everything else a visitor may reach (an owner's slug, /orders/, /bookings/, /my/, /embed/ …) is.
_OWNER_PREFIXES = (
    "/dashboard/", "/admin/", "/api/", "/accounts/", "/login/", "/logout/", "/signup/", "/billing/",
    "/pricing/", "/healthz/", "/static/", "/media/", "/notifications/", "/bench/",
)


# Set while a client page is served (LanguageMiddleware): what a client books or orders there keeps
# the language they saw (client_language()), so their emails speak it.
client_page: ContextVar[bool] = ContextVar("client_page", default=False)


def client_language() -> str:
    """The language of the client page being served ("" outside one: the dashboard, a task)."""
    return current_language() if client_page.get() else ""


def supported(code: str | None) -> str | None:
    """`code` ("de-DE", "es", "de") as one of LANGUAGES ("de"), or None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGE_NAMES else None


def is_client_path(path: str) -> bool:
    return path != "/" and not path.startswith(_OWNER_PREFIXES)


def visitor_language(request: HttpRequest) -> str:
    """The switcher's cookie, else the first language of Accept-Language we speak, else English."""
    chosen = supported(request.COOKIES.get(COOKIE))
    if chosen:
        return chosen
    for part in request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(","):
        code, _sep, params = part.partition(";")
        if params.strip().replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue  # "not this one"
        found = supported(code)
        if found:
            return found
    return ENGLISH


# What LanguageMiddleware read from the request: the visitor's language, and whether this page
# shows the switcher (a page that follows the visitor's language turns it on).
_visitor: ContextVar[str] = ContextVar("visitor_language", default=ENGLISH)
_switcher: ContextVar[bool] = ContextVar("language_switcher", default=False)


def request_started(request: HttpRequest) -> list:
    """LanguageMiddleware: English, or on a client page the visitor's language. Gives the tokens
    request_finished() takes back."""
    is_client = is_client_path(request.path_info)
    visitor = visitor_language(request) if is_client else ENGLISH
    tokens = [client_page.set(is_client), _visitor.set(visitor), _switcher.set(False)]
    translation.activate(visitor)
    return tokens


def request_finished(tokens: list) -> None:
    translation.deactivate()
    for var, token in zip((client_page, _visitor, _switcher), tokens, strict=True):
        var.reset(token)


def page_language(owner) -> str:
    """The language the owner's client pages speak to this visitor."""
    chosen = getattr(owner, "page_language", ENGLISH) or ENGLISH
    if chosen == VISITOR:
        return _visitor.get()
    return supported(chosen) or ENGLISH


def follows_visitor(owner) -> bool:
    return getattr(owner, "page_language", ENGLISH) == VISITOR


def use_language(language: str, *, switcher: bool) -> str:
    """Speak `language` for the rest of this request (and show the switcher or not)."""
    translation.activate(language)
    _switcher.set(switcher)
    return language


def use_page_language(owner) -> str:
    """Speak the owner's page language for the rest of this request; the switcher shows when the
    page follows the visitor."""
    return use_language(page_language(owner), switcher=follows_visitor(owner))


def use_visitor_language() -> str:
    """A client page of no one owner (the portal, an error page): the visitor's language."""
    return use_language(_visitor.get(), switcher=True)


def asked_language() -> str:
    """The visitor's language as LanguageMiddleware read it (English off client pages)."""
    return _visitor.get()


def shows_switcher() -> bool:
    return _switcher.get()


def message_language(language: str | None, owner=None) -> str:
    """The language of a message to a client: the one they used (stored on the booking or the
    order), else the owner's fixed page language, else English."""
    found = supported(language)
    if found:
        return found
    chosen = getattr(owner, "page_language", ENGLISH)
    return supported(chosen) or ENGLISH


def current_language() -> str:
    return supported(translation.get_language()) or ENGLISH


def switch_links(request: HttpRequest) -> list[dict]:
    """The switcher: one link per language, to /language/<code>/?next=<this page>."""
    here = request.get_full_path()
    current = current_language()
    return [
        {"code": code, "name": name, "current": code == current,
         "url": f"/language/{code}/?next={quote(here, safe='/')}"}
        for code, name in LANGUAGE_NAMES.items()
    ]


class Translatable(str):
    """English text that reads in the active language wherever it is shown (`str()`, a template, an
    f-string, `%`): `translatable("That time is no longer available.")`. Unlike gettext_lazy it *is*
    the English string (compare it, look for it in a page, put it in JSON), so a rule's wording stays
    one constant that the code, the pages and the tests share. Extracted by makemessages as `_()`."""

    __slots__ = ()

    def __str__(self) -> str:
        return translation.gettext(str.__str__(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __mod__(self, values) -> str:
        return str(self) % values

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __reduce__(self):
        return (Translatable, (str.__str__(self),))


def translatable(text: str) -> Translatable:
    return Translatable(text)


# --- Dates and amounts in the active language -------------------------------------------------

# Django date formats per language: a date, a date with its weekday, the long form.
_DATE_FORMATS = {
    "en": {"date": "j M Y", "day_date": "D j M Y", "long_date": "l, j F Y", "joiner": " \\a\\t ", "short": "j M",
           "weekday_day": "l j F", "message_time": "g:i A", "message_day": "l j F Y", "day_month_year": "j F Y"},
    "de": {"date": "j. M Y", "day_date": "D, j. M Y", "long_date": "l, j. F Y", "joiner": ", ", "short": "j. M",
           "weekday_day": "l, j. F", "message_time": "H:i", "message_day": "l, j. F Y", "day_month_year": "j. F Y"},
    "es": {"date": "j M Y", "day_date": "D j M Y", "long_date": "l, j \\d\\e F \\d\\e Y", "joiner": ", ",
           "short": "j M", "weekday_day": "l j \\d\\e F", "message_time": "H:i",
           "message_day": "l, j \\d\\e F \\d\\e Y", "day_month_year": "j \\d\\e F \\d\\e Y"},
}


def date_formats() -> dict[str, str]:
    return _DATE_FORMATS[current_language()]


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩"}


def localized_amount(amount: Decimal, currency: str, places: int) -> str | None:
    """`amount` written for a German or Spanish reader ("1.200,00 €", "400,00 $"); None in English,
    where the caller keeps its own form."""
    language = current_language()
    if language == ENGLISH:
        return None
    number = number_format(amount, ",", places, grouping=3, thousand_sep=".", force_grouping=True)
    return f"{number} {_SYMBOLS.get(currency.upper(), currency.upper())}"

