"""The client portal's pages: "Find my bookings" (ask for a sign-in link by email), the link that
signs this browser in, and then everything of the client's, grouped by owner; a sign-out.

What a visitor sees after asking never depends on whether the address has orders, nor on whether
the per-address limit stopped the email: only the per-IP limit answers differently (429)."""
import hashlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from leadmonk import splice
from leadmonk.languages import translatable as _
from leadmonk.languages import use_visitor_language
from leadmonk.public_frame import page_cut, page_response
from leadmonk.throttle import throttle_key_allows, throttle_post
from portal.forms import FindBookingsForm
from portal.overview import overview_body
from portal.services import (
    SIGN_IN_LINK_LIFETIME,
    SignInLinkError,
    sign_in_link_check,
    sign_in_link_request,
    sign_in_link_use,
)
from portal.session import portal_email, portal_sign_in, portal_sign_out

_BODY = splice.placeholder("body")
LINK_MINUTES = int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)


def _address_allows(email: str) -> bool:
    """The per-address limit: a few links an hour to one inbox, whoever asks. Keyed by a hash, so
    the cache holds no address."""
    return throttle_key_allows(scope="portal_sign_in_email", key=hashlib.sha256(email.encode()).hexdigest())[0]


@never_cache
@require_http_methods(["GET", "POST"])
@throttle_post("portal_sign_in")
def home(request: HttpRequest) -> HttpResponse:
    use_visitor_language()  # with every host: the visitor's language, with the switcher
    email = portal_email(request)
    if email and request.method == "GET":
        return _overview(request, email)
    form = FindBookingsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if _address_allows(email):
            sign_in_link_request(email=email)
        return render(request, "portal/link_sent.html", {"email": email, "minutes": LINK_MINUTES})
    return render(request, "portal/find.html", {"form": form, "minutes": LINK_MINUTES},
                  status=400 if form.errors else 200)


def _overview(request: HttpRequest, email: str) -> HttpResponse:
    # The body is cached (portal.overview); the frame around it is rendered once per process and
    # language, and filled per request (leadmonk.public_frame: messages, the language switcher).
    cut = page_cut(request, "portal/overview.html", key=(), context={"body": _BODY.mark}, placeholders=(_BODY,))
    return page_response(request, cut, body=overview_body(request, email=email))


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST uses the link: mail scanners that open every link in an email
    (Outlook's Safe Links, antivirus) must not use up a single-use link before the client clicks."""
    use_visitor_language()
    try:
        if request.method == "POST":
            email = sign_in_link_use(token=token)
            response = redirect("portal:home")
            portal_sign_in(response, email=email)
            return response
        sign_in_link_check(token=token)
    except SignInLinkError as error:
        return render(request, "portal/find.html", {"form": FindBookingsForm(), "link_error": error.message,
                                                    "minutes": LINK_MINUTES}, status=400)
    return render(request, "portal/sign_in.html", {"token": token})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    response = redirect("portal:home")
    portal_sign_out(response)
    messages.success(request, _("You are signed out of your bookings on this browser."))
    return response
