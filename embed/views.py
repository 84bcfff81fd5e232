"""The booking pages on the owner's own site: /embed/<owner-slug>/ and its meeting types, framed by
the sites the owner lists in Settings › Embed and by no other (CSP `frame-ancestors`, per owner;
`X-Frame-Options: DENY` stays on every other page). The booking flow is the personal page's own
(scheduling.public_views with an embed PageFrame): a free session is booked and confirmed inside the
frame; a paid one's confirm, a package's order and the booking's own page open at the top level,
since payment providers refuse to be framed."""
import re
from zoneinfo import ZoneInfo

from csp.constants import NONE
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from embed.forms import EmbedSitesForm
from embed.selectors import allowed_origins, frame_origins
from embed.services import embed_sites_save
from leadmonk.content_version import cached_public_page
from leadmonk.languages import use_page_language
from leadmonk.sections import render_sections
from leadmonk.timezones import viewer_timezone
from scheduling import public_views
from scheduling.selectors import get_booking_by_token, owner_page_meeting_types
from scheduling.signals import owner_page_sections

_LINK_OR_FORM = re.compile(r"<(a|form)\b")


def _framed(response: HttpResponse, origins: list[str]) -> HttpResponse:
    """Let `origins`, and nothing else, show `response` in a frame (none listed: no one)."""
    ancestors = {"frame-ancestors": list(origins) or [NONE]}
    response._csp_replace = ancestors  # noqa: SLF001 - django-csp's per-response override
    response._csp_replace_ro = ancestors  # noqa: SLF001
    if origins:
        # XFrameOptionsMiddleware leaves the header off; CSP frame-ancestors says who may frame.
        response.xframe_options_exempt = True
    return response


def _open_at_top(html: str) -> str:
    """What the apps above add to the personal page (packages) leads to pages that cannot be framed
    (ordering and paying): their links and forms open at the top level of the visitor's window."""
    return _LINK_OR_FORM.sub(r'<\1 target="_top"', html)


FRAME = public_views.PageFrame(
    template="embed/book.html",
    owner_page_url=lambda owner: reverse("embed:owner_page", args=[owner.slug]),
    booked_url=lambda booking: reverse("embed:booked", args=[booking.token]),
    pay_at_top=True,
    base_template="embed/frame_base.html",
    outside=_open_at_top,
)


def owner_page(request: HttpRequest, owner_slug: str) -> HttpResponse:
    origins = frame_origins(owner_slug=owner_slug)

    def render_page(owner) -> dict:
        sections = render_sections(owner_page_sections, request=request, owner=owner)
        return {
            "title": owner.display_name or owner.slug,
            "content": str(render_to_string("embed/_owner_page_content.html", {
                "owner": owner,
                "meeting_types": owner_page_meeting_types(owner=owner),
                "sections": [mark_safe(_open_at_top(str(section))) for section in sections],  # noqa: S308
            })),
        }

    page = cached_public_page(owner_slug=owner_slug, name="embed_owner_page",
                              find_owner=lambda: public_views.get_public_owner(owner_slug), render=render_page)
    request.embed_parent_origins = origins
    response = render(request, "embed/page.html",
                      {"title": page["title"], "content": mark_safe(page["content"])})  # noqa: S308 - our HTML
    return _framed(response, origins)


def book_meeting(request: HttpRequest, owner_slug: str, meeting_type_slug: str) -> HttpResponse:
    origins = frame_origins(owner_slug=owner_slug)
    request.embed_parent_origins = origins
    response = public_views.book_meeting(request, owner_slug=owner_slug, meeting_type_slug=meeting_type_slug,
                                         frame=FRAME)
    return _framed(response, origins)


def booked(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation inside the frame; the booking's own page (reschedule, cancel) opens on top."""
    booking = get_booking_by_token(token=token)
    if booking is None or not booking.is_confirmed:
        raise Http404("No booking here.")
    owner = booking.owner
    use_page_language(owner)
    origins = allowed_origins(owner=owner)
    zone = viewer_timezone(request, default=booking.client_timezone or owner.timezone)
    request.embed_parent_origins = origins
    response = render(request, "embed/booked.html", {
        "booking": booking, "owner": owner, "zone": zone, "start": booking.start.astimezone(ZoneInfo(zone)),
    })
    return _framed(response, origins)


@login_required
def embed_settings(request: HttpRequest) -> HttpResponse:
    owner = request.user
    current = allowed_origins(owner=owner)
    form = EmbedSitesForm(request.POST or None, initial={"sites": "\n".join(current)})
    if request.method == "POST":
        if form.is_valid():
            embed_sites_save(owner=owner, origins=form.cleaned_data["sites"])
            messages.success(request, "Embed settings saved.")
            return redirect("embed_settings:settings")
        messages.error(request, "Please correct the errors below. Nothing was saved.")
    page_url = f"{settings.SITE_URL}{reverse('embed:owner_page', args=[owner.slug])}"
    public_url = f"{settings.SITE_URL}{reverse('public:owner_page', args=[owner.slug])}"
    script = f'<script src="{settings.SITE_URL}{settings.STATIC_URL}js/embed.js" async></script>'
    return render(request, "embed/settings.html", {
        "form": form,
        "origins": current,
        "snippets": {
            "inline": f'<div data-leadmonk-embed="{page_url}"></div>\n{script}',
            "popup": f'<a href="{public_url}" data-leadmonk-popup="{page_url}">Book a session</a>\n{script}',
            "iframe": (f'<iframe src="{page_url}" title="Book a time" '
                       'style="width:100%;height:900px;border:0"></iframe>'),
        },
        "meeting_types": [
            (meeting_type, f"{settings.SITE_URL}{reverse('embed:book_meeting', args=[owner.slug, meeting_type.slug])}")
            for meeting_type in owner_page_meeting_types(owner=owner)
        ],
    })
