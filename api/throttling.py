"""120 requests a minute per API key (settings.API_RATE_LIMIT), counted in the shared cache by the
key's id (leadmonk.throttle), so every worker sees one count. Above it: 429 with Retry-After."""
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from api.models import ApiKey
from leadmonk.throttle import window_allows


class ApiKeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True  # refused anyway (401), and a key's count is not spent by strangers
        limit, window = settings.API_RATE_LIMIT
        allowed, self.retry_after = window_allows(scope="api", who=str(api_key.pk), limit=limit, window=window)
        return allowed

    def wait(self) -> float | None:
        return max(1, self.retry_after)
