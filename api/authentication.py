"""`Authorization: Bearer <API key>`: the only way into the API (no session cookie, so no CSRF).

A read (GET, HEAD, OPTIONS) finds the key through the cache once this process has seen it (one
cache round trip, no query; a revoked or deleted key, or a change of its owner, makes the cached
row unreachable at once: api.selectors.api_key_for); a write reads the key and its owner from the
database, fresh for the service it calls."""
from datetime import datetime

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from api.selectors import api_key_for
from api.services import LAST_USED_EVERY, api_key_touch

# Key hash -> when this process last recorded it as used: a cached row keeps the "last used" time it
# was cached with, so without this every request after the first minute would try the write again.
_touched: dict[str, datetime] = {}
TOUCHED_MAX = 10_000


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None  # no credentials: the permission answers 401 with WWW-Authenticate
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise exceptions.AuthenticationFailed("Send the key as `Authorization: Bearer <API key>`.")
        api_key = api_key_for(key.strip(), cached=request.method in SAFE_METHODS)
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed("This API key was revoked.")
        if not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        _touch(api_key)
        return api_key.owner, api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def _touch(api_key) -> None:
    """api_key_touch (at most one write a minute), knowing what this process wrote since the row was read."""
    now = timezone.now()
    seen = _touched.get(api_key.key_hash)
    if seen is not None and (api_key.last_used_at is None or seen > api_key.last_used_at):
        api_key.last_used_at = seen
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_EVERY:
        return
    api_key_touch(api_key=api_key, now=now)
    if len(_touched) >= TOUCHED_MAX:
        _touched.clear()
    _touched[api_key.key_hash] = api_key.last_used_at
