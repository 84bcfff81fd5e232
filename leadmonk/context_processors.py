"""Template context shared by every page."""
from django.conf import settings
from django.http import HttpRequest

from leadmonk.timezones import clock_formats, viewer_clock


def site(request: HttpRequest) -> dict:
    return {"SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG}


def clock(request: HttpRequest) -> dict:
    """`clock_format.time`, `.datetime`, `.day_datetime` and `.short_datetime`: Django date formats
    on the viewer's clock (the 12h/24h switch they chose on a booking page, else their browser's
    language), for pages that format times in the template:
    `{{ value|timezone:owner_tz|date:clock_format.datetime }}`."""
    return {"clock_format": clock_formats(viewer_clock(request))}


def language(request: HttpRequest) -> dict:
    """`language_links` (the switcher, on a client page that follows the visitor's language) and
    `page_language` (the `lang` of the page)."""
    from leadmonk.languages import current_language, shows_switcher, switch_links

    links = switch_links(request) if shows_switcher() else []
    return {"language_links": links, "page_language": current_language()}
