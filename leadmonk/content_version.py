"""Per-owner versions that key the cached fragments of the public pages.

An owner's public pages change only when their content does (meeting types, packages and their
items and questions, weekly hours and date overrides, profile, plan, payment connections) or, for
the slot picker, when a booking changes. Each of the two has one cache key per owner holding an
opaque version; a fragment is cached under the version current when it was rendered, so a bump
makes every older fragment unreachable at once: nothing is ever deleted or compared by time.

Why stale data cannot come back:
- the version is a fresh random token, never a counter: a version key evicted from Redis comes
  back as a new token, never as an old number that old fragments were stored under;
- a bump happens right away *and* again when the transaction commits. A request that read the
  old rows while the transaction was open and cached its fragment under the first new token is
  made unreachable by the second; the first one makes the change visible at once in the
  transaction's own connection (and in tests, which run inside a transaction). A service that owns
  its transaction and reads no page inside it may hold the first ones back (`bumps_batched`): the
  commit's bump alone keeps other connections right;
- the bumps hang on `post_save` / `post_delete` of every model the pages read (each app names its
  own with `watch()` in its AppConfig.ready()), so a code path that forgets to call a service
  still invalidates; the few `QuerySet.update()` writes of those models call `content_changed`
  themselves (update() sends no signal);
- when the cache cannot be reached the pages render from the database (no fragment, no error).
"""
from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation
from django.utils.safestring import mark_safe

from leadmonk.languages import asked_language, shows_switcher, use_language, use_page_language

logger = logging.getLogger(__name__)

CONTENT = "content"
BOOKINGS = "bookings"
TEAM = "team"  # a team's own: keyed by the team's id (cached_team_page)
# An owner's sales and what follows them, as the dashboard's lists show them: orders and their
# items, credit ledger, gifts; payments and refunds; memberships, payment plans and instalments;
# invoices and credit notes; promo codes and their uses; bookings (sessions used, upcoming).
ORDERS = "orders"
FRAGMENT_TIMEOUT = 10 * 60  # old versions age out; also bounds a bump lost while Redis was unreachable


def _version_key(kind: str, owner_id: int) -> str:
    return f"v:{kind}:{owner_id}"


def _bump_now(kind: str, owner_id: int) -> None:
    _bump_key_now(_version_key(kind, owner_id))


def _bump_key_now(key: str) -> None:
    try:
        cache.set(key, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 - an unreachable cache must not fail the write
        logger.warning("could not bump the version %s", key, exc_info=True)
        try:  # a version we could not replace must not stay: without it nothing is served cached
            cache.delete(key)
        except Exception:  # noqa: BLE001
            pass


def _bump(kind: str, owner_id: int | None) -> None:
    if not owner_id:
        return
    key = _version_key(kind, owner_id)
    batched = transaction.get_connection().__dict__.get(_BATCH)
    if batched is not None:
        batched.add(key)
    else:
        _bump_key_now(key)
    _bump_on_commit(key)


_BATCH = "_leadmonk_batched_bumps"  # on the connection: the keys bumps_batched() holds back


@contextmanager
def bumps_batched() -> Iterator[None]:
    """Around a service's own transaction (`with bumps_batched(), transaction.atomic():`): the
    versions its writes bump at once are written together in one `set_many` when it ends, not one
    cache write each (a booking bumps three); and not at all when that transaction was the
    outermost, which has then committed and written them on commit already (or rolled back:
    nothing changed). Nothing between the writes and the end of the block may read the pages
    they change (the bump at once is for a read later in the same transaction: a caller's, a test's).
    Inside another batch it leaves the keys to that one."""
    connection = transaction.get_connection()
    if connection.__dict__.get(_BATCH) is not None:
        yield
        return
    outermost = not connection.in_atomic_block
    batched = connection.__dict__[_BATCH] = set()
    try:
        yield
    finally:
        connection.__dict__[_BATCH] = None
        if batched and not outermost:
            _write_versions(sorted(batched))


def _bump_on_commit(key: str) -> None:
    """Bump `key` again when the transaction commits. The keys wait in a set of the connection, and
    the first of the transaction's commit callbacks writes them all in one `set_many` (a booking
    bumps three: its owner's bookings and orders, its client's email); the others find the set
    empty. A key left by a rolled-back transaction is bumped at the next commit: an extra bump only
    makes cached pages render once more, never serves an old one."""
    connection = transaction.get_connection()
    pending = connection.__dict__.setdefault("_leadmonk_commit_bumps", set())
    pending.add(key)
    transaction.on_commit(lambda: _flush_commit_bumps(connection))


def _flush_commit_bumps(connection) -> None:
    pending = connection.__dict__.get("_leadmonk_commit_bumps")
    if not pending:
        return
    keys = sorted(pending)
    pending.clear()
    _write_versions(keys)


def _write_versions(keys: list[str]) -> None:
    """A fresh token at each of `keys`, in one cache call."""
    try:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
    except Exception:  # noqa: BLE001 - as _bump_key_now: a version not replaced must not stay
        logger.warning("could not bump the versions %s", keys, exc_info=True)
        try:
            cache.delete_many(keys)
        except Exception:  # noqa: BLE001
            pass


def content_changed(*, owner_id: int | None) -> None:
    """The owner's public content changed (call inside the writing transaction)."""
    _bump(CONTENT, owner_id)


def bookings_changed(*, owner_id: int | None) -> None:
    """A booking of the owner was made, moved or cancelled (call inside the booking transaction)."""
    _bump(BOOKINGS, owner_id)


def orders_changed(*, owner_id: int | None) -> None:
    """The owner's orders, payments, refunds, memberships, instalments, invoices or the bookings
    they show changed through a write that sends no signal (`QuerySet.update()`, `bulk_create`):
    call it inside the writing transaction."""
    _bump(ORDERS, owner_id)


def owner_through(*path: str):
    """An `owner_of` for `watch()` of a row that reaches its owner through foreign keys:
    `owner_through("order_item", "order")` gives `row.order_item.order.owner_id`. A relation
    already loaded on the row is followed without a query; else one query reads the owner's id."""

    def owner_of(row) -> int | None:
        current = row
        for index, name in enumerate(path):
            field = current._meta.get_field(name)
            if field.is_cached(current):
                current = getattr(current, name)
                if current is None:
                    return None
                continue
            target_id = getattr(current, field.attname)
            if target_id is None:
                return None
            lookup = "__".join([*path[index + 1:], "owner_id"])
            return (field.related_model._base_manager.filter(pk=target_id)
                    .values_list(lookup, flat=True).first())
        return current.owner_id

    return owner_of


# --- Reading ahead: a page whose second entry is named by its first, in one round trip -------------

class _ReadAhead:
    """What a page read from the cache in this request (`asked`: the keys, `found`: those held),
    and the keys it read there the last time (`last`), read along with its first round trip."""

    def __init__(self, scope: str):
        self.scope, self.asked, self.found, self.read = scope, set(), {}, []
        self.last = _keys_read_last.get(scope, ())


_reading_ahead: ContextVar[_ReadAhead | None] = ContextVar("cache_read_ahead", default=None)
# Scope (a page's address) -> the keys the page read from the cache there, in this process.
_keys_read_last: dict[str, tuple[str, ...]] = {}
KEYS_READ_LAST_MAX = 10_000


@contextmanager
def reading_ahead(scope: str) -> Iterator[None]:
    """Within it, `get_many` reads, with the first keys asked, every key asked in the same `scope`
    the last time, and answers a later call from those when it asks for nothing else: the order
    item page reads its item (whose meeting type, zone and length name the picker's entry) and the
    picker in one round trip, not two, once the process has served the address. A later call's
    keys are read ahead only if the same keys are asked again: what they name is checked by the
    caller as on any read (versions, stamps), so a value read a moment earlier is what a request
    that came a moment earlier would have been served."""
    ahead = _ReadAhead(scope)
    token = _reading_ahead.set(ahead)
    try:
        yield
    finally:
        _reading_ahead.reset(token)
        keys = tuple(dict.fromkeys(ahead.read))
        if _keys_read_last.get(scope) != keys:
            if len(_keys_read_last) >= KEYS_READ_LAST_MAX:
                _keys_read_last.clear()
            _keys_read_last[scope] = keys


def keys_read_ahead_forget() -> None:
    """Forget which keys each scope read (tests: a worker that has not served the page)."""
    _keys_read_last.clear()


def get_many(keys: list[str]) -> dict:
    """`cache.get_many(keys)`, through the `reading_ahead` scope when there is one."""
    ahead = _reading_ahead.get()
    if ahead is None:
        return cache.get_many(keys)
    ahead.read.extend(keys)
    if ahead.asked.issuperset(keys):
        return {key: ahead.found[key] for key in keys if key in ahead.found}
    asking = list(dict.fromkeys([*keys, *(key for key in ahead.last if key not in ahead.asked)]))
    found = cache.get_many(asking)
    ahead.asked.update(asking)
    ahead.found.update(found)
    return {key: found[key] for key in keys if key in found}


def cached_fragment(*, owner_id: int, name: str, render, kinds: tuple[str, ...] = (CONTENT,),
                    extra: str = "") -> str:
    """The fragment `name` of the owner, from the cache when its versions are current, else
    `render()` stored under them. A hit is one cache round trip (versions and fragment together).
    `render()` returns HTML (a str, given back safe) or a picklable value such as a splice.Cut."""
    version_keys = _version_keys(kinds, owner_id)
    # The language is part of every key: a German visitor never gets the English fragment.
    fragment_key = f"frag:{name}:{owner_id}:{translation.get_language()}:{extra}"
    try:
        found = get_many([*version_keys, fragment_key])
    except Exception:  # noqa: BLE001 - the cache is an optimisation: render from the database
        logger.warning("cache unreachable; rendering %s from the database", name, exc_info=True)
        return render()
    stamp = _stamp(found, version_keys, fill=True)
    if stamp is None:  # a missing version could not be put in place: nothing can be kept
        return render()
    stored = found.get(fragment_key)
    if stored is not None and stored[0] == stamp:
        return mark_safe(stored[1]) if isinstance(stored[1], str) else stored[1]  # noqa: S308 - our templates' HTML
    html = render()
    try:
        cache.set(fragment_key, (stamp, html), FRAGMENT_TIMEOUT)
    except Exception:  # noqa: BLE001
        pass
    return html


def cached_owner_value(*, owner_id: int, name: str, render, kinds: tuple[str, ...], extra: str = "",
                       peek: tuple[str, ...] = ()):
    """`render(flags)` of the owner's `name` (and `extra`), from the cache while the owner's
    versions of `kinds` are what they were when it was rendered: one cache round trip on a hit.

    `peek` names other cache keys read in the same round trip; `flags` is whether each is set
    (the dashboard's "a calendar of yours has not refreshed" banner), and an entry rendered with
    other flags is not served. The entry is keyed by the owner's id, the language and `extra` (what
    else the value depends on: the address, the viewer's clock, the minute...): one owner's entry
    is never another's. When the cache cannot be reached, `render(None)` (the flags unknown)."""
    version_keys = _version_keys(kinds, owner_id)
    key = f"owner:{name}:{owner_id}:{translation.get_language()}:{_key_part(extra)}"
    try:
        found = cache.get_many([*version_keys, *peek, key])
    except Exception:  # noqa: BLE001 - the cache is an optimisation: render from the database
        logger.warning("cache unreachable; rendering %s from the database", name, exc_info=True)
        return render(None)
    flags = tuple(bool(found.get(each)) for each in peek)
    stamp = _stamp(found, version_keys, fill=True)
    if stamp is None:
        return render(flags)
    stored = found.get(key)
    if stored is not None and stored[0] == stamp and stored[1] == flags:
        return stored[2]
    value = render(flags)
    try:
        cache.set(key, (stamp, flags, value), FRAGMENT_TIMEOUT)
    except Exception:  # noqa: BLE001
        pass
    return value


def _current_version(key: str) -> str | None:
    """The version at `key`, a fresh one put there when there is none; None when the cache fails."""
    version = uuid.uuid4().hex
    try:
        if not cache.add(key, version, None):
            version = cache.get(key)
    except Exception:  # noqa: BLE001
        return None
    return version


# Owner slug -> owner id, as last read from the database by this process: only a hint of which
# owner's version to read along with a page entry (the entry names its owner; see cached_public_page).
_owner_hints: dict[str, int] = {}
OWNER_HINTS_MAX = 10_000


def owner_hints_forget() -> None:
    """Forget this process's slug -> owner hints, as a worker process that has not served the owner
    yet starts (tests: a page as another process serves it)."""
    _owner_hints.clear()


def _page_key_prefix() -> str:
    # Tests set their own (conftest.py): entries keyed by slug must not outlive a test's database.
    return getattr(settings, "PUBLIC_PAGE_KEY_PREFIX", "page")


_PLAIN_KEY_PART = re.compile(r"[-\w.]{0,100}", re.ASCII)


def _key_part(value: str) -> str:
    """`value` as it is when it is short and plain (a slug), else its digest: a visitor's address
    may hold 500 characters, spaces or a NUL byte, which make keys some caches refuse."""
    if _PLAIN_KEY_PART.fullmatch(value):
        return value
    return "#" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def cached_public_page(*, owner_slug: str, name: str, find_owner, render, extra: str = "",
                       kinds: tuple[str, ...] = (CONTENT,)):
    """What `render(owner)` makes of the public page `name` of the owner at `owner_slug`, from the
    cache when still current: a hit is one cache round trip and no query at all.

    `find_owner()` reads the owner at the slug from the database (or raises Http404); `render(owner)`
    reads the rest and returns a picklable value. The entry is keyed by the slug (and `extra`) and
    holds the owner's id and their versions of `kinds` (content; bookings too for what shows free
    times) as read *before* `find_owner` and `render` ran, so any change of the owner's row or
    content since (a slug change, deactivation, email verification, plan, profile, packages,
    meeting types...), or of their bookings, bumps a version and makes the entry unreachable.
    Which owner's versions to read is known from this process's slug -> id hint; without one, from
    the entry itself, else from the database (the owner is then read again after the versions).
    When the cache cannot be reached the page is rendered from the database."""
    prefix, slug = _page_key_prefix(), _key_part(owner_slug)
    key, hint_key = f"{prefix}:{name}:{slug}:{_asked()}:{_key_part(extra)}", f"{prefix}:{slug}"

    def load():
        owner = find_owner()
        return owner, owner.pk

    return _cached_page(key=key, hint_key=hint_key, name=name, load=load, render=render,
                        version_keys_of=lambda owner_id: _version_keys(kinds, owner_id), speak=use_page_language)


def cached_team_page(*, team_slug: str, name: str, find_team, people_of, render, extra: str = "",
                     times: bool = False):
    """`cached_public_page` for a team's public page at `team_slug`: what `render(team)` makes of it,
    from the cache when still current (a hit is one cache round trip and no query).

    `find_team()` reads the team or raises Http404; `people_of(team)` reads the ids of its owner
    and members (one query). The entry is checked against the team's own version (TEAM: the team's
    row, its memberships, its meeting types and their hosts, bumped by `watch(..., kind=TEAM)` in
    the teams app), the content version of the team's owner and of every member (their names, hours,
    overrides, their copies of the team's meeting types, the owner's plan) and, with `times` (a
    page that shows free times), every member's bookings version (their bookings and their other
    calendars' busy times). A member joining or leaving bumps the team's version, so the list of
    members the entry names is current whenever the entry is."""
    prefix, slug = _page_key_prefix(), _key_part(team_slug)
    key, hint_key = f"{prefix}:team_{name}:{slug}:{_asked()}:{_key_part(extra)}", f"{prefix}:team:{slug}"
    kinds = (CONTENT, BOOKINGS) if times else (CONTENT,)

    def load():
        team = find_team()
        return team, (team.pk, tuple(sorted(set(people_of(team)))))

    def version_keys_of(ident) -> list[str]:
        team_id, people = ident
        return [_version_key(TEAM, team_id), *(_version_key(kind, person) for person in people for kind in kinds)]

    return _cached_page(key=key, hint_key=hint_key, name=name, load=load, render=render,
                        version_keys_of=version_keys_of, speak=lambda team: use_page_language(team.owner))


def _asked() -> str:
    """The language the visitor asked for (LanguageMiddleware), part of every page's key: a German
    visitor never gets the English page. The entry keeps the language the page was rendered in (the
    owner's choice: a fixed one, or the visitor's), which a hit speaks for the rest of the request."""
    return _key_part(asked_language())


def _cached_page(*, key: str, hint_key: str, name: str, load, render, version_keys_of, speak):
    """The cached public page at `key` (see cached_public_page). `load()` reads the page's subject
    from the database and returns it with its `ident` (picklable: which versions to check,
    `version_keys_of(ident)`); `speak(subject)` sets the page's language (leadmonk.languages);
    `render(subject)` makes the value kept."""
    ident = _owner_hints.get(hint_key)
    try:
        if ident is None:
            stored = cache.get(key)
            ident = stored[0] if stored is not None else None
            found = cache.get_many(version_keys_of(ident)) if ident is not None else {}
        else:
            found = cache.get_many([*version_keys_of(ident), key])
            stored = found.get(key)
    except Exception:  # noqa: BLE001 - the cache is an optimisation: render from the database
        logger.warning("cache unreachable; rendering %s from the database", name, exc_info=True)
        subject = load()[0]
        speak(subject)
        return render(subject)
    stamp = _stamp(found, version_keys_of(ident)) if ident is not None else None
    if stored is not None and stamp is not None and stored[0] == ident and stored[1] == stamp:
        _remember_hint(hint_key, ident)  # a worker that found the entry without one: one round trip next time
        language, switcher = stored[3]
        use_language(language, switcher=switcher)
        return stored[2]
    if ident is None:
        # Nothing names the subject yet: find it, then read its versions; its rows as read before
        # the versions may already be outdated, so they are read again below.
        ident = load()[1]
    if stamp is None:
        stamp = _stamp(found, version_keys_of(ident), fill=True)
    subject, ident_now = load()
    _remember_hint(hint_key, ident_now)
    speak(subject)
    value = render(subject)
    if stamp is not None and ident_now == ident:  # else the slug now names someone else
        spoken = (translation.get_language(), shows_switcher())
        try:
            cache.set(key, (ident, stamp, value, spoken), FRAGMENT_TIMEOUT)
        except Exception:  # noqa: BLE001
            pass
    return value


def _remember_hint(hint_key: str, ident) -> None:
    """Keep `ident` as this process's hint for `hint_key` (a bounded dict: cleared when full)."""
    if _owner_hints.get(hint_key) != ident:
        if len(_owner_hints) >= OWNER_HINTS_MAX:
            _owner_hints.clear()
        _owner_hints[hint_key] = ident


def _version_keys(kinds: tuple[str, ...], owner_id: int) -> list[str]:
    return [_version_key(kind, owner_id) for kind in kinds]


def _stamp(found: dict, version_keys: list[str], *, fill: bool = False) -> str | None:
    """The versions at `version_keys` as read into `found`, joined. A missing one makes it None,
    or with `fill` is put in place (`_current_version`; None when the cache fails)."""
    versions = [found.get(key) or (_current_version(key) if fill else None) for key in version_keys]
    return None if None in versions else ":".join(versions)


def watch(model, *, kind: str = CONTENT, owner_of=None, quiet_fields: tuple[str, ...] = ()) -> None:
    """Bump the owner's `kind` version (content, bookings, orders...) whenever a row of `model` is
    saved or deleted. Each app calls it in its AppConfig.ready() for the models its pages read, so
    this module names no app. `owner_of(row)` gives the owner's id (default: `row.owner_id`); a
    save of `quiet_fields` alone (a login, a password change) changes nothing a page shows. A model
    may be watched for several kinds (a booking: bookings and orders), once per kind."""
    owner_of = owner_of or (lambda row: row.owner_id)
    quiet = frozenset(quiet_fields)

    def on_save(sender, instance, update_fields=None, **kwargs) -> None:
        if quiet and update_fields and set(update_fields) <= quiet:
            return
        _bump(kind, owner_of(instance))

    def on_delete(sender, instance, **kwargs) -> None:
        _bump(kind, owner_of(instance))

    # A second call for the same model and kind changes nothing; another kind adds its own receivers.
    uid = f"content_version:{kind}:{model._meta.label}"
    post_save.connect(on_save, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(on_delete, sender=model, dispatch_uid=uid, weak=False)


# --- A client email's own version (the client portal, /my/) ----------------------------------------

CLIENT = "client"  # keyed by the digest of the normalised email (client_changed)


def _client_ident(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def client_version_key(email: str) -> str:
    """The cache key of the version of everything kept under this client email, which the caller
    normalises (leadmonk.client_email.normalize_email, a sibling this module does not import). The
    key holds a digest, never the address."""
    return _version_key(CLIENT, _client_ident(email))


def client_changed(*, email: str) -> None:
    """An order or booking under this (normalised) client email was written, or moved to or from it
    (call inside the writing transaction). The portal bumps it on every save of those rows; the few
    `update()`s that change an order's client email call it themselves, for both addresses."""
    if email:
        _bump(CLIENT, _client_ident(email))


def owner_version_keys(kinds: tuple[str, ...], owner_id: int) -> list[str]:
    """The cache keys of the owner's versions of `kinds`, for a page cached outside this module."""
    return _version_keys(kinds, owner_id)


def versions_stamp(found: dict, version_keys: list[str], *, fill: bool = False) -> str | None:
    """The versions at `version_keys` as read into `found` (cache.get_many), joined; None when one is
    missing (with `fill`, a missing one is put in place; None only when the cache fails)."""
    return _stamp(found, version_keys, fill=fill)


def page_key_prefix() -> str:
    """The prefix of the keys of pages cached outside this module (tests give each their own)."""
    return _page_key_prefix()
