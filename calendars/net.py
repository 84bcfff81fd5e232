"""Reading calendars at addresses an owner typed in (ICS feeds, CalDAV servers), through the
server-side request forgery guard of leadmonk.net (one rule for every outgoing request to an
owner's address), with the calendars' settings: CALENDAR_ALLOW_PRIVATE_ADDRESSES, CALENDAR_MAX_BYTES.
"""
from __future__ import annotations

from django.conf import settings

from leadmonk import net
from leadmonk.net import AddressRefused, FetchError, Response, check_url, public_address

__all__ = ["AddressRefused", "FetchError", "Response", "check_url", "public_address", "request"]


def request(method: str, url: str, *, headers: dict | None = None, data: bytes | None = None,
            auth: tuple[str, str] | None = None, follow: bool = True) -> Response:
    """One request through the checked session, the body cut at CALENDAR_MAX_BYTES."""
    limit = settings.CALENDAR_MAX_BYTES
    if auth is not None:
        # requests writes str credentials as Latin-1 and raises on anything else (a '€' in the
        # password, an 'ł' in the name): sent as UTF-8 bytes, as RFC 7617 and CalDAV servers read them.
        auth = (auth[0].encode("utf-8"), auth[1].encode("utf-8"))
    return net.request(method, url, headers=headers, data=data, auth=auth, follow=follow,
                       allow_private=settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES, max_bytes=limit,
                       too_big=f"The calendar is larger than {limit // (1024 * 1024)} MB, the most we read.")
