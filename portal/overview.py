"""The body of /my/, cached: a signed-in client reloads it far more often than anything in it
changes, and reading it costs up to seven queries over every owner's orders, bookings and invoices.

The entry is keyed by a digest of the address the cookie holds, the language, the zone asked for
(?tz= or the browser's cookie; the page's default zone comes from the data) and the clock, so no
client, language or zone ever gets another's page. It is stamped with the versions of what it shows:
the client email's own (leadmonk.content_version.client_changed: every save of an order or booking
under that address, and the update()s that move an order between addresses) and, for each owner the
client has something with, the owner's content (names, meeting types and their notice), bookings
and orders (credits, expiry, payments, gifts, memberships). A bump of any of them makes it
unreachable. What it shows also changes with time alone (a session starting, its notice running
out, an order expiring or held): the entry holds the first such moment and is not served from then.

A hit is one cache round trip and no query: which owners' versions to read comes from this
process's email -> owners hint (as cached_public_page's slug -> owner hint). Per request: the CSRF
token, and the parts apps above add to each order card (client_order_cards_parts, memberships:
their state and buttons, read live; the entry keeps the orders they are asked about)."""
from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from leadmonk import content_version, splice
from leadmonk.client_email import normalize_email
from leadmonk.languages import date_formats
from leadmonk.sections import collect_parts
from leadmonk.timezones import viewer_clock, viewer_timezone
from orders.signals import client_order_cards_parts
from portal.selectors import OwnerGroup, client_overview
from portal.session import PORTAL_SESSION_AGE

logger = logging.getLogger(__name__)

OWNER_KINDS = (content_version.CONTENT, content_version.BOOKINGS, content_version.ORDERS)
# Normalised email's digest -> the ids of the owners its page last showed, in this process: only which
# versions to read along with the entry (the entry names its owners and is checked against them).
_owner_hints: dict[str, tuple[int, ...]] = {}
OWNER_HINTS_MAX = 10_000


def owner_hints_forget() -> None:
    """Forget this process's hints (tests: the page as a process that has not served it yet)."""
    _owner_hints.clear()


@dataclass(frozen=True)
class _Entry:
    owner_ids: tuple[int, ...]
    stamp: str
    fresh_until: float  # a timestamp: the first moment the page would show something else by itself
    body: splice.Cut
    orders: tuple  # the orders whose cards apps above may add to (fields only, nothing prefetched)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _version_keys(email: str, owner_ids: tuple[int, ...]) -> list[str]:
    keys = [content_version.client_version_key(email)]
    for owner_id in owner_ids:
        keys += content_version.owner_version_keys(OWNER_KINDS, owner_id)
    return keys


def overview_body(request, *, email: str) -> SafeString:
    """The body of /my/ for the client signed in as `email` (the language already set)."""
    normalised = normalize_email(email)
    prefix = content_version.page_key_prefix()
    hint_key = f"{prefix}:{_digest(normalised)}"
    asked_zone = viewer_timezone(request, "")
    key = (f"{prefix}:my:{_digest(email)}:{translation.get_language()}:"
           f"{_digest(asked_zone)[:16]}:{viewer_clock(request)}")
    owner_ids = _owner_hints.get(hint_key)
    try:
        if owner_ids is None:
            found = cache.get_many([key])
            stored = found.get(key)
            owner_ids = stored.owner_ids if stored is not None else None
            if owner_ids is not None:
                found.update(cache.get_many(_version_keys(normalised, owner_ids)))
        else:
            found = cache.get_many([*_version_keys(normalised, owner_ids), key])
            stored = found.get(key)
    except Exception:  # noqa: BLE001 - the cache is an optimisation: render from the database
        logger.warning("cache unreachable; rendering /my/ from the database", exc_info=True)
        entry = _render(request, email=email, asked_zone=asked_zone, stamp="")
        return _fill(request, entry)
    now = timezone.now()
    if owner_ids is not None and stored is not None and stored.owner_ids == owner_ids:
        if stored.stamp == content_version.versions_stamp(found, _version_keys(normalised, owner_ids)) \
                and now.timestamp() < stored.fresh_until:
            return _fill(request, stored)
    if owner_ids is None:
        # Nothing names the client's owners in this process yet: read them, then their versions,
        # then everything again (rows read before the versions may already be outdated).
        owner_ids = _render(request, email=email, asked_zone=asked_zone, stamp="").owner_ids
    # The versions are read before the rows: a change after this read bumps one, so an entry made
    # of rows older than the change is never reachable.
    stamp = content_version.versions_stamp(found, _version_keys(normalised, owner_ids), fill=True)
    entry = _render(request, email=email, asked_zone=asked_zone, stamp=stamp or "")
    if len(_owner_hints) >= OWNER_HINTS_MAX:
        _owner_hints.clear()
    _owner_hints[hint_key] = entry.owner_ids
    if stamp is not None and entry.owner_ids == owner_ids:  # else the client has a new owner since
        try:
            cache.set(key, entry, content_version.FRAGMENT_TIMEOUT)
        except Exception:  # noqa: BLE001
            pass
    return _fill(request, entry)


def _fill(request, entry: _Entry) -> SafeString:
    parts = collect_parts(client_order_cards_parts, request=request, orders=list(entry.orders),
                          next_url=request.path)
    cards = {f"card_{order.pk}": mark_safe(parts.get(order.pk, "")) for order in entry.orders}  # noqa: S308 - receivers' HTML
    return entry.body.fill(csrf_token=get_token(request), **cards)


def _render(request, *, email: str, asked_zone: str, stamp: str) -> _Entry:
    now = timezone.now()
    groups = client_overview(email=email, now=now)
    # The zone the client last booked or ordered in, until the browser says which it is in.
    zones = [booking.client_timezone for group in groups for booking in group.upcoming]
    zones += [order.client_timezone for group in groups for order in group.orders]
    viewer_tz = asked_zone or next((zone for zone in zones if zone), "UTC")
    orders = [order for group in groups for order in group.orders if not order.gift_pending]
    cards = {order.pk: splice.placeholder(f"card_{order.pk}") for order in orders}
    for order in orders:
        order.card_parts = cards[order.pk].mark
    html = render_to_string("portal/_overview_body.html", {
        "email": email, "groups": groups, "viewer_tz": viewer_tz, "session_days": PORTAL_SESSION_AGE.days,
        "csrf_token": splice.CSRF_TOKEN.mark, "date_format": date_formats()["date"],
    }, request=request)
    return _Entry(
        owner_ids=tuple(sorted(group.owner.pk for group in groups)),
        stamp=stamp,
        fresh_until=_fresh_until(groups, now),
        body=splice.cut(html, splice.CSRF_TOKEN, *cards.values()),
        orders=tuple(_bare(order) for order in orders),
    )


def _bare(order):
    """The order's row alone: what a card's receiver reads (its fields), without the items, bookings
    and owner the page read along with it."""
    bare = copy.copy(order)
    bare._state = copy.copy(order._state)
    bare._state.fields_cache = {}
    bare.__dict__.pop("_prefetched_objects_cache", None)
    for name in ("portal_items", "card_parts", "gift_pending"):
        bare.__dict__.pop(name, None)
    return bare


def _fresh_until(groups: list[OwnerGroup], now: datetime) -> float:
    """The first moment after `now` at which the page would change by itself: a session starts, ends
    or runs out of notice to be moved (scheduling's booking_change_refusal), an order expires or its
    bookings are held (orders.rules). The entry is not served from then."""
    moments = []
    for group in groups:
        for booking in group.upcoming:
            moments += [booking.start, booking.end, booking.start - booking.meeting_type.min_notice_delta]
        for order in group.orders:
            moments += [order.expires_at, order.bookings_held_from]
    later = [moment for moment in moments if moment is not None and moment > now]
    return min(later).timestamp() if later else float("inf")
