"""The banner on dashboard pages when a calendar of the owner has had no good refresh for an
hour: read from the cache (set by calendars.services on a failed refresh), so pages pay no query."""
from django.core.cache import cache

from calendars.services import stale_banner_key


def calendar_banner(request) -> dict:
    def stale() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not request.path.startswith("/dashboard/"):
            return False
        try:
            return bool(cache.get(stale_banner_key(user.pk)))
        except Exception:  # noqa: BLE001 - an unreachable cache shows no banner rather than an error page
            return False

    return {"calendar_stale": stale}
