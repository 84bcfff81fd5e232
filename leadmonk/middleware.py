"""Response headers Django has no setting for, and the ones every response must carry."""
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` (settings.PERMISSIONS_POLICY): the pages use no camera, location,
    payment API and the like, so a script injected anyway cannot ask for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class SecurityHeadersMiddleware:
    """First in MIDDLEWARE: `nosniff` and the referrer policy on every response, error pages
    included. SecurityMiddleware sets them on its way out, but a bad `Host` met by its HTTPS
    redirect raises inside it, so the 400 page skips that step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        policy = settings.SECURE_REFERRER_POLICY
        if policy:
            response.headers.setdefault("Referrer-Policy", policy if isinstance(policy, str) else ",".join(policy))
        return response
