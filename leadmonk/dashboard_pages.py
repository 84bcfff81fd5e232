"""The owner's dashboard lists (orders, payments, upcoming sessions) served from the cache.

A list page is rendered whole (the dashboard frame and the list) with the CSRF token as a
placeholder (leadmonk.splice), kept per owner under the owner's versions of what it shows
(leadmonk.content_version: CONTENT for the owner's own row, packages and meeting types; ORDERS for
their orders, payments and the rest; BOOKINGS for sessions), and filled with the request's token on
the way out. Login is checked as before (the view's decorator runs first, the session and the user
are read as on every page): only the page's own reads are saved.

What else a page depends on is in its key: the owner's id, the language, the address with its
query (filters, search, the keyset cursor, `?clock=`), the viewer's clock and the owner's time
zone, and for pages that change with time the minute (`bucket`). The frame's flags that live in
the cache (a stale calendar) are read in the same round trip (`frame_flag`). A request that is not
a GET, or that carries messages to show (django.contrib.messages), is rendered as before and never
served from or stored in the cache.
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from leadmonk import content_version, splice
from leadmonk.timezones import viewer_clock

# Context variables of the dashboard frame whose value is a flag kept in the cache by an app above
# this module: name -> the cache key of an owner's flag (calendars registers "calendar_stale").
_frame_flags: dict[str, Callable[[int], str]] = {}


def frame_flag(name: str, key_of: Callable[[int], str]) -> None:
    """The frame shows `{% if name %}` when the cache holds a true value at `key_of(owner_id)`."""
    _frame_flags[name] = key_of


def has_messages(request: HttpRequest) -> bool:
    """Whether the request has messages to show, without marking them shown."""
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def minute_bucket() -> str:
    """The current minute (UTC): the key part of a page whose content moves with the clock
    (sessions that start or end; "now" compares with times stored to the minute)."""
    return timezone.now().strftime("%Y%m%d%H%M")


def cached_page(request: HttpRequest, *, name: str, template: str, context: Callable[[], dict],
                kinds: tuple[str, ...], bucket: str = "", cacheable: bool = True) -> HttpResponse:
    """`render(request, template, context())`, from the cache when the owner's versions of `kinds`
    still hold (see the module's docstring). `cacheable=False` renders as before (a page that
    shows something no version covers, such as the setup checklist)."""
    if request.method != "GET" or not cacheable or has_messages(request):
        return render(request, template, context())
    owner = request.user
    flags = tuple(_frame_flags.items())
    extra = "|".join((request.get_full_path(), viewer_clock(request), owner.timezone or "", bucket))

    def render_cut(found):
        values = context()
        if found is not None:  # what the frame shows, as read with the versions
            values.update({flag: value for (flag, _key_of), value in zip(flags, found, strict=True)})
        values["csrf_token"] = splice.CSRF_TOKEN.mark
        return splice.cut(render_to_string(template, values, request), splice.CSRF_TOKEN)

    cut = content_version.cached_owner_value(
        owner_id=owner.pk, name=name, render=render_cut, kinds=kinds, extra=extra,
        peek=tuple(key_of(owner.pk) for _flag, key_of in flags))
    return HttpResponse(cut.fill(csrf_token=get_token(request)))
