"""Public pages: the personal booking page /<owner-slug>/ and booking one meeting
/<owner-slug>/<meeting-type-slug>/, or a Secret one at /<owner-slug>/s/<token>/ (pick a day and a
time in the client's zone, then the details). Who may book what through which address is
scheduling.rules."""
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.brand import brand_of
from accounts.models import User
from leadmonk.content_version import BOOKINGS, CONTENT, cached_public_page
from leadmonk.languages import translatable as _
from leadmonk.languages import use_page_language
from leadmonk.public_frame import framed_page
from leadmonk.sections import render_sections
from leadmonk.throttle import throttle_post
from leadmonk.timezones import remember_viewer_choices, viewer_clock, viewer_timezone
from scheduling.booking_forms import BookingDetailsForm
from scheduling.booking_step import (
    FRAGMENT_PARAM,
    PICKER_FRAGMENT,
    Step,
    StepWording,
    TimeStep,
    picker_minute,
    request_cache_key,
)
from scheduling.holds import booking_hold, paid_booking_note
from scheduling.models import BookingStatus
from scheduling.rules import BookingPath, booking_path_refusal
from scheduling.selectors import get_bookable_meeting_type, get_meeting_type_by_secret, owner_page_meeting_types
from scheduling.services import booking_create
from scheduling.signals import (
    booking_page_sections,
    held_booking_payment_url_for,
    owner_page_sections,
    package_only_sections,
)

BOOK_WORDING = StepWording(picker_heading=_("Pick a date"), confirm_heading=_("Your details"),
                           confirm_button=_("Confirm booking"))


@dataclass(frozen=True)
class PageFrame:
    """Where a booking page is shown: on its own (STANDALONE), or inside a coach's own site (the embed
    app passes its frame: a bare layout, the owner page's address inside the frame, the confirmation
    shown in the frame, and a paid session's confirm opening at the top level, since payment
    providers refuse to be framed)."""

    template: str = "scheduling/public/book.html"
    owner_page_url: Callable[[User], str] | None = None
    booked_url: Callable[..., str] | None = None
    pay_at_top: bool = False
    # The layout of the frame's other answers (a meeting type not available, or Package only).
    base_template: str = "public_base.html"
    # What the apps above add to the page (a group's waitlist, packages) leads to pages that may not
    # be framed: `outside(html)` makes its links and forms leave the frame (None: left as they are).
    outside: Callable[[str], str] | None = None

    def sections(self, sections: list[str]) -> list[str]:
        if self.outside is None:
            return sections
        return [mark_safe(self.outside(str(section))) for section in sections]  # noqa: S308 - our HTML


STANDALONE = PageFrame()


def get_public_owner(owner_slug: str) -> User:
    """The owner whose pages are public at `owner_slug`, or Http404."""
    # An owner's page goes public once they confirmed their email address.
    owner = User.objects.filter(slug=owner_slug, is_active=True, email_verified=True).first()
    if owner is None:
        raise Http404("No booking page here.")
    use_page_language(owner)  # the rest of the request speaks the owner's page language
    return owner


def owner_page(request: HttpRequest, owner_slug: str) -> HttpResponse:
    # The page depends only on the owner's row and content: cached by slug under their content
    # version (a hit is one cache round trip and no query). The frame around it (CSRF token,
    # messages) renders per request.
    def render_page(owner: User) -> dict:
        return {
            "title": owner.display_name or owner.slug,
            # The frame's colours and footer, kept with the HTML: a cache hit reads no owner.
            "brand": brand_of(owner),
            "content": str(render_to_string("scheduling/public/_owner_page_content.html", {
                "owner": owner,
                "meeting_types": owner_page_meeting_types(owner=owner),
                # What the apps above add (packages: the packages a client can order).
                "sections": render_sections(owner_page_sections, request=request, owner=owner),
            })),
        }

    page = cached_public_page(owner_slug=owner_slug, name="owner_page", find_owner=lambda: get_public_owner(owner_slug),
                              render=render_page)
    return framed_page(request, "scheduling/public/owner_page.html", title=page["title"], content=page["content"],
                       brand=page.get("brand"))


def _frame_context(owner: User, frame: PageFrame) -> dict:
    """The layout and the owner page's address of a page shown in `frame`."""
    return {"base_template": frame.base_template,
            "page_url": frame.owner_page_url(owner) if frame.owner_page_url else reverse("public:owner_page",
                                                                                          args=[owner.slug])}


def _unavailable(request: HttpRequest, owner: User, frame: PageFrame = STANDALONE) -> HttpResponse:
    """A disabled, deleted or unknown meeting type: say so, and point at what can be booked."""
    return render(request, "scheduling/public/unavailable.html", {"owner": owner, **_frame_context(owner, frame)},
                  status=404)


def book_body(request: HttpRequest | None, owner: User, meeting_type, current: Step,
              frame: PageFrame = STANDALONE) -> dict:
    """The booking page's title and body at the stage `current`. `request` renders the confirm
    stage's CSRF token; the pick stage, which is cached, renders without one (nothing per visitor)."""
    if current.stage == "confirm":
        stage = "details"
    else:
        stage = "time" if current.picker.selected_date else "date"
    return {
        "title": _("%(meeting)s with %(owner)s") % {"meeting": meeting_type.name,
                                                     "owner": owner.display_name or owner.slug},
        "brand": brand_of(owner),
        "content": str(render_to_string("scheduling/public/_book_content.html", {
            "owner": owner, "meeting_type": meeting_type, "step": current, "stage": stage,
            "page_url": frame.owner_page_url(owner) if frame.owner_page_url else "",
            "sections": frame.sections(render_sections(booking_page_sections, owner=owner, meeting_type=meeting_type)),
        }, request=request)),
    }


def _book_page(request: HttpRequest, body: dict, frame: PageFrame = STANDALONE) -> HttpResponse:
    if frame.template == STANDALONE.template:  # an embed's frame reads the request (its parents)
        return framed_page(request, frame.template, title=body["title"], content=body["content"],
                           brand=body.get("brand"))
    return render(request, frame.template,
                  {"title": body["title"], "brand": body.get("brand"),
                   "content": mark_safe(body["content"])})  # noqa: S308 - our templates' HTML


def _cached_pick_stage(request: HttpRequest, owner_slug: str, find, path: BookingPath, *, name: str, render_step):
    """What `render_step(owner, meeting_type, step)` makes of the pick stage of a booking page (the
    month fragment, or the page's body), or None when the meeting type `find(owner)` gives cannot
    be booked through `path` (the view then says so).

    Kept by the address and what the visitor chose under the owner's content *and* bookings versions
    (hours, overrides, the meeting type and its visibility; every booking made, moved or cancelled),
    so a hit is one cache round trip and no query, not even the owner or the meeting type. The key
    holds all the picker shows: the path, the query parameters that change it (request_cache_key),
    the zone and clock as the visitor's cookies and language give them (the owner's own zone, the
    default, is content), and the minute, as TimeStep._cached keys it (offered times change only at
    whole minutes)."""
    now, minute = picker_minute(timezone.now())

    def render_entry(owner: User):
        meeting_type = find(owner)
        if meeting_type is None or meeting_type.paid_plan_lapsed or booking_path_refusal(meeting_type, path=path):
            return None
        step = TimeStep(request, meeting_type=meeting_type, default_tz=owner.timezone, wording=BOOK_WORDING, now=now)
        return render_step(owner, meeting_type, step)

    return cached_public_page(
        owner_slug=owner_slug, name=name, kinds=(CONTENT, BOOKINGS),  # the path, in `extra`, names the meeting type
        find_owner=lambda: get_public_owner(owner_slug), render=render_entry,
        extra=request_cache_key(request, request.path, viewer_timezone(request, ""), viewer_clock(request), minute),
    )


def _not_offered(request: HttpRequest, owner: User, meeting_type, refusal: str,
                 frame: PageFrame = STANDALONE) -> HttpResponse:
    """A meeting type this address does not book (scheduling.rules). A Package only type says so and
    links the packages on sale that include it (packages answers owner_page_sections' sibling);
    a POST books nothing. Anything else reads as not available."""
    if not meeting_type.is_package_only:
        return _unavailable(request, owner, frame)
    return render(request, "scheduling/public/package_only.html", {
        "owner": owner, "meeting_type": meeting_type, "refusal": refusal, **_frame_context(owner, frame),
        "sections": frame.sections(render_sections(package_only_sections, request=request, owner=owner,
                                                   meeting_type=meeting_type)),
    }, status=403 if request.method == "POST" else 200)


def _book_page_flow(request: HttpRequest, owner_slug: str, find, path: BookingPath,
                    frame: PageFrame = STANDALONE) -> HttpResponse:
    """A booking page of one meeting type, found by `find(owner)` and booked through `path`, shown
    in `frame`."""
    # A plain GET (the month fragment, or the page at its pick stage) is served from the cache; the
    # rest (a chosen time to confirm, a POST) reads the database and goes through the booking step.
    if request.method != "POST":
        if request.GET.get(FRAGMENT_PARAM) == PICKER_FRAGMENT:
            html = _cached_pick_stage(request, owner_slug, find, path, name="picker",
                                      render_step=lambda owner, meeting_type, step: step.picker_fragment(cached=False))
            if html is not None:
                return remember_viewer_choices(request, HttpResponse(html))
        elif "start" not in request.GET:
            body = _cached_pick_stage(
                request, owner_slug, find, path, name="book",
                render_step=lambda owner, meeting_type, step: book_body(None, owner, meeting_type, step.pick_stage(),
                                                                        frame),
            )
            if body is not None:
                return remember_viewer_choices(request, _book_page(request, body, frame))
    owner = get_public_owner(owner_slug)
    meeting_type = find(owner)
    if meeting_type is None or meeting_type.paid_plan_lapsed:
        return _unavailable(request, owner, frame)
    refusal = booking_path_refusal(meeting_type, path=path)
    if refusal:
        return _not_offered(request, owner, meeting_type, refusal, frame)
    wording = BOOK_WORDING
    if meeting_type.is_paid:
        # Paid: the POST holds the time and the client goes on to pay (scheduling.holds).
        wording = replace(BOOK_WORDING, confirm_button=_("Continue to payment"),
                          confirm_notice=paid_booking_note(meeting_type),
                          confirm_target="_top" if frame.pay_at_top else "")
    step = TimeStep(request, meeting_type=meeting_type, default_tz=owner.timezone, wording=wording,
                    form_class=BookingDetailsForm, form_kwargs={"requires_mobile": meeting_type.client_phone_required,
                                                               "texts_reminders": meeting_type.texts_reminders})
    step.form_initial = {"client_timezone": step.viewer_tz}

    def commit(data: dict):
        return (booking_hold if meeting_type.is_paid else booking_create)(
            meeting_type=meeting_type,
            start=data["start"],
            client_name=data["client_name"],
            client_email=data["client_email"],
            client_phone=data["client_phone"],
            client_timezone=data["client_timezone"] or step.viewer_tz,
            now=step.now,
            path=path,
        )

    def page(current: Step) -> HttpResponse:
        return _book_page(request, book_body(request, owner, meeting_type, current, frame), frame)

    def done(booking) -> HttpResponse:
        if booking.status == BookingStatus.HELD:
            return redirect(held_booking_payment_url_for(booking) or reverse("bookings:manage", args=[booking.token]))
        if frame.booked_url:
            return redirect(frame.booked_url(booking))
        return redirect(reverse("bookings:manage", args=[booking.token]) + "?booked=1")

    return step.handle(commit=commit, done=done, page=page)


@throttle_post("public_booking")
def book_meeting(request: HttpRequest, owner_slug: str, meeting_type_slug: str,
                 frame: PageFrame = STANDALONE) -> HttpResponse:
    """/<owner-slug>/<meeting-type-slug>/: a Public meeting type (and, in the embed app's frame,
    /embed/<owner-slug>/<meeting-type-slug>/)."""
    return _book_page_flow(request, owner_slug,
                           lambda owner: get_bookable_meeting_type(owner=owner, slug=meeting_type_slug),
                           BookingPath.PUBLIC_PAGE, frame)


@throttle_post("public_booking")
def book_secret(request: HttpRequest, owner_slug: str, token: str) -> HttpResponse:
    """/<owner-slug>/s/<token>/: a Secret meeting type's own link (not its slug; regenerable)."""
    return _book_page_flow(request, owner_slug,
                           lambda owner: get_meeting_type_by_secret(owner=owner, token=token),
                           BookingPath.SECRET_LINK)
