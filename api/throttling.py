"""120 requests a minute per API key (settings.API_RATE_LIMIT), counted in the shared cache by the
key's id, so every worker sees one count. Above it: 429 with Retry-After.

The counter is leadmonk.throttle's (same key, same fixed window of the clock's minutes, skipped
with a logged error when the cache is down); on Redis it is counted in one round trip (create the
window's counter if missing, then increment it, pipelined) instead of leadmonk.throttle's three
(add, then incr's exists and incr)."""
import logging
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from api.models import ApiKey
from leadmonk.cache import RedisCache
from leadmonk.throttle import window_allows

logger = logging.getLogger(__name__)
SCOPE = "api"


class ApiKeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True  # refused anyway (401), and a key's count is not spent by strangers
        limit, window = settings.API_RATE_LIMIT
        allowed, self.retry_after = _window_allows(who=str(api_key.pk), limit=limit, window=window)
        return allowed

    def wait(self) -> float | None:
        return max(1, self.retry_after)


def _window_allows(*, who: str, limit: int, window: int) -> tuple[bool, int]:
    """leadmonk.throttle.window_allows for the scope "api", in one Redis round trip."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):  # the tests' memory cache: leadmonk.throttle's own way
        return window_allows(scope=SCOPE, who=who, limit=limit, window=window)
    now = int(time.time())
    window_start = now - now % window
    prefix = getattr(settings, "THROTTLE_KEY_PREFIX", "throttle")
    key = backend.make_and_validate_key(f"{prefix}:{SCOPE}:{who}:{window_start}")
    try:
        pipe = backend._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, 0, ex=window, nx=True)  # as cache.add(key, 0, window): an int is stored as is
        pipe.incr(key)
        count = pipe.execute()[1]
    except Exception:
        logger.error("Rate limit %s skipped: the cache is unavailable", SCOPE, exc_info=True)
        return True, 0
    return count <= limit, window_start + window - now
