"""The client's portal session: a signed cookie holding the email a sign-in link proved, for a
week on that browser. Separate from the owners' Django session (its own cookie, never read by
the login), so signing in or out of one leaves the other as it was."""
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

PORTAL_COOKIE = "lm_client"
PORTAL_SESSION_AGE = timedelta(days=7)
_SALT = "portal.client-session"


def portal_email(request: HttpRequest) -> str:
    """The email this browser signed in with, "" when none, expired or tampered with."""
    try:
        return request.get_signed_cookie(PORTAL_COOKIE, default="", salt=_SALT,
                                         max_age=PORTAL_SESSION_AGE.total_seconds())
    except signing.BadSignature:
        return ""


def portal_sign_in(response: HttpResponse, *, email: str) -> None:
    response.set_signed_cookie(
        PORTAL_COOKIE, email, salt=_SALT, max_age=int(PORTAL_SESSION_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )


def portal_sign_out(response: HttpResponse) -> None:
    response.delete_cookie(PORTAL_COOKIE, samesite="Lax")
