"""The cookies of the booking pages framed on an owner's site (/embed/…).

Browsers send a `SameSite=Lax` cookie to a page in a frame of another site on no POST, so Django's CSRF
cookie (Lax, site-wide) would fail every booking made in the frame. Under /embed/ alone the CSRF
secret travels in its own cookie, `SameSite=None; Secure`, limited to the /embed/ path: every other
page keeps the Lax cookie, and CSRF protection (token in the form, Origin check) is unchanged. Comes
before CsrfViewMiddleware in MIDDLEWARE."""
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

EMBED_PATH = "/embed/"
EMBED_CSRF_COOKIE = "lm_embed_csrftoken"


class EmbedCookiesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(EMBED_PATH):
            return self.get_response(request)
        cookies = dict(request.COOKIES)
        # The frame's own secret stands for the site's; the Lax one, were it sent, is not the one
        # the frame's forms were rendered with.
        cookies.pop(settings.CSRF_COOKIE_NAME, None)
        if EMBED_CSRF_COOKIE in cookies:
            cookies[settings.CSRF_COOKIE_NAME] = cookies.pop(EMBED_CSRF_COOKIE)
        request.COOKIES = cookies
        response = self.get_response(request)
        morsel = response.cookies.get(settings.CSRF_COOKIE_NAME)
        if morsel is not None:
            del response.cookies[settings.CSRF_COOKIE_NAME]
            response.set_cookie(
                EMBED_CSRF_COOKIE, morsel.value, max_age=settings.CSRF_COOKIE_AGE, path=EMBED_PATH,
                secure=True, httponly=settings.CSRF_COOKIE_HTTPONLY, samesite="None",
            )
        return response
