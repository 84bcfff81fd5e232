"""The little of CalDAV (RFC 4791) this product needs, over the checked session of calendars.net:
find an account's calendars, read a calendar's change tag and its events in a time range, and
put or delete one event. Written here rather than with the `caldav` package, whose current
releases bring an HTTP stack (niquests, urllib3-future) that the connect-time address check of
calendars.net does not cover.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urljoin
from xml.etree import ElementTree

from calendars.net import FetchError, request

DAV, CALDAV, CS = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/"
_NS = f'xmlns:d="{DAV}" xmlns:c="{CALDAV}" xmlns:cs="{CS}"'


class DavError(FetchError):
    pass


class CredentialsRefused(DavError):
    pass


@dataclass(frozen=True)
class RemoteCalendar:
    url: str
    name: str


def _propfind(url: str, auth, body: str, depth: str) -> list[tuple[str, ElementTree.Element]]:
    response = request("PROPFIND", url, auth=auth, data=body.encode(), headers={
        "Depth": depth, "Content-Type": "application/xml; charset=utf-8"})
    _raise_for(response.status)
    return _responses(response.body, response.url)


def _raise_for(status: int) -> None:
    if status in (401, 403):
        raise CredentialsRefused("The server refused the user name or app password.")
    if status == 404:
        raise DavError("The server has no calendar at that address.")
    if status >= 400:
        raise DavError(f"The calendar server answered with an error ({status}).")


def _responses(body: bytes, base: str) -> list[tuple[str, ElementTree.Element]]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise DavError("That address is not a CalDAV server.") from error
    found = []
    for response in root.iter(f"{{{DAV}}}response"):
        href = response.findtext(f"{{{DAV}}}href") or ""
        found.append((urljoin(base, href.strip()), response))
    if root.tag != f"{{{DAV}}}multistatus":
        raise DavError("That address is not a CalDAV server.")
    return found


def _href(element: ElementTree.Element | None, base: str) -> str | None:
    if element is None:
        return None
    href = element.findtext(f"{{{DAV}}}href")
    return urljoin(base, href.strip()) if href else None


def calendars(url: str, auth: tuple[str, str]) -> list[RemoteCalendar]:
    """The event calendars of the account at `url`: the principal, then its calendar home, then
    the calendars in it (RFC 4791 section 6.2.1)."""
    found = _propfind(url, auth, f'<d:propfind {_NS}><d:prop><d:current-user-principal/>'
                                 f'<c:calendar-home-set/><d:resourcetype/></d:prop></d:propfind>', "0")
    if not found:
        raise DavError("That address is not a CalDAV server.")
    _, response = found[0]
    home = _href(response.find(f".//{{{CALDAV}}}calendar-home-set"), url)
    principal = _href(response.find(f".//{{{DAV}}}current-user-principal"), url)
    if home is None and principal is not None:
        found = _propfind(principal, auth,
                          f'<d:propfind {_NS}><d:prop><c:calendar-home-set/></d:prop></d:propfind>', "0")
        home = _href(found[0][1].find(f".//{{{CALDAV}}}calendar-home-set"), principal) if found else None
    if home is None:
        raise DavError("That address is not a CalDAV server (no calendars found for this account).")
    listed = _propfind(home, auth, f'<d:propfind {_NS}><d:prop><d:resourcetype/><d:displayname/>'
                                   f'<c:supported-calendar-component-set/></d:prop></d:propfind>', "1")
    result = []
    for href, response in listed:
        if response.find(f".//{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is None:
            continue
        components = {comp.get("name") for comp in response.iter(f"{{{CALDAV}}}comp")}
        if components and "VEVENT" not in components:
            continue  # a task list, not a calendar of events
        name = (response.findtext(f".//{{{DAV}}}displayname") or "").strip()
        result.append(RemoteCalendar(url=href, name=name or href.rstrip("/").rsplit("/", 1)[-1]))
    return result


def change_tag(url: str, auth) -> str:
    """The calendar's ctag (or sync-token): it changes whenever an event in it does."""
    found = _propfind(url, auth, f'<d:propfind {_NS}><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>', "0")
    if not found:
        return ""
    response = found[0][1]
    return (response.findtext(f".//{{{CS}}}getctag") or response.findtext(f".//{{{DAV}}}sync-token") or "").strip()


def events(url: str, auth, start: datetime, end: datetime) -> list[bytes]:
    """The iCalendar text of every event of the calendar in [start, end) (calendar-query REPORT)."""
    stamp = "%Y%m%dT%H%M%SZ"
    body = (f'<c:calendar-query {_NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>'
            f'<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
            f'<c:time-range start="{start.astimezone(UTC):{stamp}}" end="{end.astimezone(UTC):{stamp}}"/>'
            f'</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>')
    response = request("REPORT", url, auth=auth, data=body.encode(), headers={
        "Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
    _raise_for(response.status)
    return [data.encode() for _, found in _responses(response.body, response.url)
            if (data := found.findtext(f".//{{{CALDAV}}}calendar-data"))]


def _event_url(calendar_url: str, uid: str) -> str:
    return urljoin(calendar_url if calendar_url.endswith("/") else calendar_url + "/", quote(uid, safe="") + ".ics")


def put_event(calendar_url: str, auth, *, uid: str, ics: bytes) -> None:
    """Create or replace the event `uid` (one resource per booking, named after its UID)."""
    response = request("PUT", _event_url(calendar_url, uid), auth=auth, data=ics, follow=False,
                       headers={"Content-Type": "text/calendar; charset=utf-8"})
    _raise_for_write(response.status)


def delete_event(calendar_url: str, auth, *, uid: str) -> None:
    """Remove the event `uid`; one that is already gone is fine."""
    response = request("DELETE", _event_url(calendar_url, uid), auth=auth, follow=False)
    if response.status != 404:
        _raise_for_write(response.status)


def _raise_for_write(status: int) -> None:
    """A write is not followed to another address (it would send the owner's password along), so
    an answer that points elsewhere wrote nothing."""
    if 300 <= status < 400:
        raise DavError(f"The calendar server says the calendar has moved ({status}): "
                       "connect the account again to pick it at its new address.")
    _raise_for(status)
