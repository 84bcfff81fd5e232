"""Per-IP limits on the public forms that make the site send an email to an address somebody typed
(sign-up, password reset, ordering a package, booking a meeting), so nobody can flood a stranger's
inbox through us. Limits are in settings.THROTTLES as (requests, seconds).

Counts live in the shared cache (Redis in production), so every gunicorn worker sees them. When
the cache is down the limit is skipped with a logged error: a Redis outage must not stop clients
from booking.
"""
import functools
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leadmonk.client_ip import client_ip

logger = logging.getLogger(__name__)


def throttle_allows(*, scope: str, request: HttpRequest) -> tuple[bool, int]:
    """Count one request of `scope` from this IP; returns (allowed, seconds until the window ends)."""
    return throttle_key_allows(scope=scope, key=client_ip(request) or "unknown")


def throttle_key_allows(*, scope: str, key: str) -> tuple[bool, int]:
    """Count one request of `scope` for `key` (an IP, or the hash of an email address a form was
    asked to write to); returns (allowed, seconds until the window ends)."""
    limit, window = settings.THROTTLES[scope]
    return window_allows(scope=scope, who=key, limit=limit, window=window)


def window_allows(*, scope: str, who: str, limit: int, window: int) -> tuple[bool, int]:
    """Count one request of `who` (an IP, an API key's id) in the current fixed window of `window`
    seconds; returns (allowed, seconds until the window ends). The one counter of every limit."""
    now = int(time.time())
    window_start = now - now % window
    prefix = getattr(settings, "THROTTLE_KEY_PREFIX", "throttle")
    key = f"{prefix}:{scope}:{who}:{window_start}"
    try:
        cache.add(key, 0, window)
        count = cache.incr(key)
    except Exception:
        logger.error("Rate limit %s skipped: the cache is unavailable", scope, exc_info=True)
        return True, 0
    return count <= limit, window_start + window - now


def throttle_post(scope: str) -> Callable:
    """Refuse POSTs of `scope` above the limit with a 429 page that says when to come back."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                allowed, retry_after = throttle_allows(scope=scope, request=request)
                if not allowed:
                    minutes = max(1, round(retry_after / 60))
                    response = render(request, "429.html", {"minutes": minutes}, status=429)
                    response["Retry-After"] = str(retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
