"""Writes of the calendars app: adding and removing connections, choosing their calendars, and
refreshing their busy times (the owner's scheduling.ExternalBusy rows).

A refresh never holds a transaction across the network: it reads the remote calendar first, then
replaces the stored busy times in one short transaction. A refresh that fails keeps the last good
busy times (booking never waits for a calendar server) and records the error. Only a refresh that
changed the busy times bumps the owner's bookings version (the cached pickers key on it).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calendars import dav, ics, net, passwords
from calendars.models import Calendar, CalendarConnection, CalendarWrite, ConnectionKind, WriteStatus
from leadmonk.content_version import bookings_changed
from scheduling.models import ExternalBusy

# After this long without a good refresh, the owner sees a banner on every dashboard page.
STALE_AFTER = timedelta(hours=1)
# A calendar is read this much further ahead than CALENDAR_DAYS_AHEAD, and read whole again (not
# conditionally) once the days read ahead fall short of it: at most once a day.
READ_AHEAD_MARGIN = timedelta(days=1)


class CalendarError(Exception):
    """A calendar could not be added or read; the message is for the owner."""


class CredentialsRefused(CalendarError):
    """The CalDAV server refused the user name or app password."""


@dataclass
class Fetched:
    """What one read of a connection brought: per calendar its busy times (None: unchanged since
    the last read), and its new conditional-request markers."""

    readings: dict[int, ics.Reading | None]
    markers: dict[int, dict[str, str]]


def stale_banner_key(owner_id: int) -> str:
    return f"calendars:stale:{owner_id}"


def _clear_banner_unless_stale(owner_id: int, now: datetime) -> None:
    """Take the banner away once none of the owner's connections is without a good refresh for
    STALE_AFTER: one that never had one (a CalDAV server that refused every read) counts from when
    it was added, and a removed one no longer counts."""
    cutoff = now - STALE_AFTER
    behind = CalendarConnection.objects.filter(owner_id=owner_id).filter(
        Q(last_success_at__lt=cutoff)
        | Q(last_success_at__isnull=True, last_attempt_at__isnull=False, created_at__lt=cutoff))
    if not behind.exists():
        cache.delete(stale_banner_key(owner_id))


def _window(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=1), now + timedelta(days=settings.CALENDAR_DAYS_AHEAD) + READ_AHEAD_MARGIN


def _read_too_short(calendar: Calendar, now: datetime) -> bool:
    """Whether the stored busy times stop before CALENDAR_DAYS_AHEAD from now (the longest booking
    window): an unchanged calendar (304, same ctag) still has events past them, a weekly one say."""
    return calendar.read_until is None or calendar.read_until < now + timedelta(days=settings.CALENDAR_DAYS_AHEAD)


def _own_uids(owner_id: int) -> frozenset[str]:
    """The UIDs of the bookings we wrote into the owner's calendar: not read back as busy times
    (the booking itself already is one)."""
    return frozenset(CalendarWrite.objects.filter(owner_id=owner_id).values_list("uid", flat=True).distinct())


def _auth(connection: CalendarConnection) -> tuple[str, str] | None:
    if connection.kind != ConnectionKind.CALDAV:
        return None
    try:
        return connection.username, passwords.decrypt(connection.password_encrypted)
    except passwords.SecretUnreadable as error:
        raise CalendarError(str(error)) from error


def _read_feed(url: str, *, zone: ZoneInfo, now: datetime, all_day_busy: bool, etag: str = "",
               last_modified: str = "", ignore_uids: frozenset[str] = frozenset(),
               owner_addresses: frozenset[str] = frozenset()) -> tuple[ics.Reading | None, dict]:
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        response = net.request("GET", url, headers=headers)
    except net.FetchError as error:
        raise CalendarError(str(error)) from error
    if response.status == 304:
        return None, {"etag": etag, "last_modified": last_modified}
    if response.status in (401, 403):
        raise CalendarError("The calendar address asks for a password; use its secret or public address.")
    if response.status == 404:
        raise CalendarError("There is no calendar at that address (404).")
    if response.status >= 400:
        raise CalendarError(f"The calendar server answered with an error ({response.status}).")
    try:
        calendars = ics.parse(response.body)
    except ics.NotACalendar as error:
        raise CalendarError(str(error)) from error
    start, end = _window(now)
    reading = ics.busy_intervals(calendars, zone=zone, window_start=start, window_end=end,
                                 all_day_busy=all_day_busy, ignore_uids=ignore_uids, owner_addresses=owner_addresses)
    headers = response.headers
    return reading, {"etag": headers.get("ETag", ""), "last_modified": headers.get("Last-Modified", ""),
                     "read_until": end, "read_in_zone": zone.key}


def _read_caldav(calendar: Calendar, auth, *, zone: ZoneInfo, now: datetime, all_day_busy: bool,
                 ignore_uids: frozenset[str], force: bool,
                 owner_addresses: frozenset[str] = frozenset()) -> tuple[ics.Reading | None, dict]:
    try:
        tag = dav.change_tag(calendar.url, auth)
        if tag and tag == calendar.change_tag and not force:
            return None, {"change_tag": tag}
        start, end = _window(now)
        objects = dav.events(calendar.url, auth, start, end)
        calendars = ics.parse(objects) if objects else []
    except net.FetchError as error:
        raise CalendarError(str(error)) from error
    except ics.NotACalendar as error:
        raise CalendarError(f"{calendar.name}: {error}") from error
    reading = ics.busy_intervals(calendars, zone=zone, window_start=start, window_end=end,
                                 all_day_busy=all_day_busy, ignore_uids=ignore_uids, owner_addresses=owner_addresses)
    return reading, {"change_tag": tag, "read_until": end, "read_in_zone": zone.key}


def _owner_addresses(owner, username: str = "") -> frozenset[str]:
    """The addresses an invitation to the owner may name them by: their account's, and a CalDAV
    account's user name when it is one (an invitation they declined leaves their time free)."""
    return frozenset(address.strip().lower() for address in (owner.email, username) if "@" in address)


def _fetch(connection: CalendarConnection, now: datetime, *, force: bool = False) -> Fetched:
    zone = ZoneInfo(connection.owner.timezone)
    ignore = _own_uids(connection.owner_id)
    addresses = _owner_addresses(connection.owner, connection.username)
    fetched = Fetched({}, {})
    for calendar in connection.calendars.filter(check_conflicts=True):
        whole = force or _read_too_short(calendar, now) or calendar.read_in_zone != zone.key
        if connection.kind == ConnectionKind.FEED:
            reading, markers = _read_feed(
                calendar.url, zone=zone, now=now, all_day_busy=connection.all_day_busy, ignore_uids=ignore,
                etag="" if whole else calendar.etag, last_modified="" if whole else calendar.last_modified,
                owner_addresses=addresses)
        else:
            reading, markers = _read_caldav(calendar, _auth(connection), zone=zone, now=now,
                                            all_day_busy=connection.all_day_busy, ignore_uids=ignore, force=whole,
                                            owner_addresses=addresses)
        fetched.readings[calendar.pk] = reading
        fetched.markers[calendar.pk] = markers
    return fetched


def _store(connection: CalendarConnection, fetched: Fetched, now: datetime) -> bool:
    """Replace the busy times of the calendars that changed; True when any stored time changed.
    Called inside a transaction."""
    changed = False
    checked = set(fetched.readings)
    # Calendars no longer checked (or removed from the choice) lose their busy times.
    dropped, _ = ExternalBusy.objects.filter(owner_id=connection.owner_id, source_id__in=list(
        connection.calendars.exclude(pk__in=checked).values_list("pk", flat=True))).delete()
    changed |= bool(dropped)
    events = skipped = 0
    for calendar_id, reading in fetched.readings.items():
        Calendar.objects.filter(pk=calendar_id).update(**fetched.markers[calendar_id])
        if reading is None:
            continue
        events += reading.events
        skipped += reading.skipped
        stored = set(ExternalBusy.objects.filter(owner_id=connection.owner_id, source_id=calendar_id)
                     .values_list("start", "end"))
        if stored == set(reading.intervals):
            continue
        ExternalBusy.objects.filter(owner_id=connection.owner_id, source_id=calendar_id).delete()
        ExternalBusy.objects.bulk_create([
            ExternalBusy(owner_id=connection.owner_id, source_id=calendar_id, start=start, end=end)
            for start, end in reading.intervals], batch_size=1000)
        changed = True
    fields = {"last_attempt_at": now, "last_success_at": now, "last_error": ""}
    if any(reading is not None for reading in fetched.readings.values()):
        fields.update(event_count=events, skipped_count=skipped)
    CalendarConnection.objects.filter(pk=connection.pk).update(**fields)
    if changed:
        bookings_changed(owner_id=connection.owner_id)
    return changed


def connection_refresh(*, connection_id: int, now: datetime | None = None, force: bool = False) -> bool:
    """Read the connection's checked calendars again and store what changed; True when the busy
    times changed. A failure is recorded on the connection (the last good busy times stay)."""
    now = now or timezone.now()
    connection = CalendarConnection.objects.select_related("owner").filter(pk=connection_id).first()
    if connection is None:
        return False
    try:
        fetched = _fetch(connection, now, force=force)
    except CalendarError as error:
        CalendarConnection.objects.filter(pk=connection.pk).update(last_attempt_at=now, last_error=str(error))
        last_good = connection.last_success_at or connection.created_at
        if now - last_good >= STALE_AFTER:
            cache.set(stale_banner_key(connection.owner_id), True, None)
        return False
    with transaction.atomic():
        if not CalendarConnection.objects.select_for_update().filter(pk=connection.pk).exists():
            return False  # removed while we read it
        changed = _store(connection, fetched, now)
    _clear_banner_unless_stale(connection.owner_id, now)
    return changed


def feed_add(*, owner, url: str, name: str, all_day_busy: bool, now: datetime | None = None) -> CalendarConnection:
    """Add an ICS feed. The address is read first: one that cannot be read is refused with the
    reason (CalendarError) and nothing is saved."""
    now = now or timezone.now()
    try:
        url = net.check_url(url)
    except net.FetchError as error:
        raise CalendarError(str(error)) from error
    reading, markers = _read_feed(url, zone=ZoneInfo(owner.timezone), now=now, all_day_busy=all_day_busy,
                                  ignore_uids=_own_uids(owner.pk), owner_addresses=_owner_addresses(owner))
    with transaction.atomic():
        connection = CalendarConnection.objects.create(
            owner=owner, kind=ConnectionKind.FEED, name=name or _name_from(url), url=url, all_day_busy=all_day_busy)
        calendar = Calendar.objects.create(owner=owner, connection=connection, url=url, name=connection.name)
        _store(connection, Fetched({calendar.pk: reading}, {calendar.pk: markers}), now)
    connection.refresh_from_db()
    return connection


def _name_from(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "Calendar")[:100]


def caldav_add(*, owner, url: str, username: str, password: str, name: str, all_day_busy: bool) -> CalendarConnection:
    """Add a CalDAV account: its calendars are listed first (a server that refuses the password,
    or is no CalDAV server, is refused with the reason and nothing is saved). None is checked yet:
    the owner chooses next (caldav_choose)."""
    try:
        url = net.check_url(url)
        found = dav.calendars(url, (username, password))
    except dav.CredentialsRefused as error:
        raise CredentialsRefused(str(error)) from error
    except net.FetchError as error:
        raise CalendarError(str(error)) from error
    if not found:
        raise CalendarError("The account has no calendars of events.")
    with transaction.atomic():
        connection = CalendarConnection.objects.create(
            owner=owner, kind=ConnectionKind.CALDAV, name=name or _name_from(url), url=url, username=username,
            password_encrypted=passwords.encrypt(password), all_day_busy=all_day_busy)
        Calendar.objects.bulk_create([
            Calendar(owner=owner, connection=connection, url=remote.url, name=remote.name[:200], check_conflicts=False)
            for remote in found])
        _take_up_writes(connection)
    return connection


def _take_up_writes(connection: CalendarConnection) -> None:
    """A calendar connected again (the account removed, then added back) takes up the writes made
    to it before: the events are still in it, so their bookings' moves and cancels reach them there
    (not a second event in the calendar bookings go to now, nor one left behind), and writes that
    were waiting when the account was removed are sent. Called inside caldav_add's transaction."""
    for calendar_id, url in connection.calendars.values_list("pk", "url"):
        taken = CalendarWrite.objects.filter(owner_id=connection.owner_id, calendar__isnull=True,
                                             calendar_url=url).update(calendar_id=calendar_id)
        if taken and CalendarWrite.objects.filter(calendar_id=calendar_id, status=WriteStatus.PENDING).exists():
            transaction.on_commit(functools.partial(_deliver, calendar_id), robust=True)  # else the sweep sends them


def _deliver(calendar_id: int) -> None:
    from calendars.tasks import deliver_calendar_writes  # tasks imports this module

    deliver_calendar_writes.delay(calendar_id)


def caldav_choose(*, connection: CalendarConnection, checked_ids: set[int], add_bookings_id: int | None) -> None:
    """Which calendars of the account are checked for conflicts, and which one (of all the owner's)
    bookings are added to: one of this account's (taken from wherever they went), or none of this
    account's (a calendar of another account that bookings go to keeps them: this account's page
    lists only its own). The caller queues a refresh (calendars.tasks.queue_refresh)."""
    with transaction.atomic():
        calendars = connection.calendars.all()
        calendars.update(check_conflicts=False)
        calendars.filter(pk__in=checked_ids).update(check_conflicts=True, change_tag="")
        if add_bookings_id is None:
            calendars.filter(add_bookings=True).update(add_bookings=False)
        else:
            Calendar.objects.filter(owner_id=connection.owner_id, add_bookings=True).update(add_bookings=False)
            calendars.filter(pk=add_bookings_id).update(add_bookings=True)


def connection_set_all_day(*, connection: CalendarConnection, all_day_busy: bool) -> None:
    with transaction.atomic():
        CalendarConnection.objects.filter(pk=connection.pk).update(all_day_busy=all_day_busy)
        connection.calendars.update(etag="", last_modified="", change_tag="")  # read everything again


def connection_refresh_now(*, connection: CalendarConnection) -> None:
    """"Refresh now": forget the server's markers so the refresh the caller queues reads everything."""
    with transaction.atomic():
        connection.calendars.update(etag="", last_modified="", change_tag="")


def connection_remove(*, connection: CalendarConnection) -> None:
    with transaction.atomic():
        calendars = dict(connection.calendars.values_list("pk", "url"))
        calendar_ids = list(calendars)
        for calendar_id, url in calendars.items():
            # The writes stay, without their calendar, under the address it has now: connected again
            # later, it takes them up again (_take_up_writes).
            CalendarWrite.objects.filter(calendar_id=calendar_id).exclude(calendar_url=url).update(calendar_url=url)
        deleted, _ = ExternalBusy.objects.filter(owner_id=connection.owner_id, source_id__in=calendar_ids).delete()
        connection.delete()
        if deleted:
            bookings_changed(owner_id=connection.owner_id)
    _clear_banner_unless_stale(connection.owner_id, timezone.now())
