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


class LanguageMiddleware:
    """English everywhere, and on client pages the visitor's language (leadmonk.languages), which a
    page of an owner then replaces with the owner's choice. The language a request spoke is put back
    when it ends: a thread that served a German page must not send the next email in German."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        from leadmonk import languages

        tokens = languages.request_started(request)
        try:
            response = self.get_response(request)
            if languages.is_client_path(request.path_info):
                # The same address answers in several languages: caches in between must tell them apart.
                patch_vary_headers(response, ("Accept-Language", "Cookie"))
                response.headers.setdefault("Content-Language", translation.get_language())
        finally:
            languages.request_finished(tokens)
        return response
