"""Public pages: the personal booking page /<owner-slug>/ and booking one meeting
/<owner-slug>/<meeting-type-slug>/ (pick a day and a time in the client's zone, then the details)."""
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from accounts.models import User
from leadmonk.content_version import cached_public_page
from leadmonk.sections import render_sections
from leadmonk.throttle import throttle_post
from scheduling.booking_forms import BookingDetailsForm
from scheduling.booking_step import Step, StepWording, TimeStep
from scheduling.selectors import get_bookable_meeting_type, owner_page_meeting_types
from scheduling.services import booking_create
from scheduling.signals import owner_page_sections

BOOK_WORDING = StepWording(picker_heading="Pick a date", confirm_heading="Your details",
                           confirm_button="Confirm booking")


def _get_owner(owner_slug: str) -> User:
    # An owner's page goes public once they confirmed their email address.
    owner = User.objects.filter(slug=owner_slug, is_active=True, email_verified=True).first()
    if owner is None:
        raise Http404("No booking page here.")
    return owner


def owner_page(request: HttpRequest, owner_slug: str) -> HttpResponse:
    # The page depends only on the owner's row and content: cached by slug under their content
    # version (a hit is one cache round trip and no query). The frame around it (CSRF token,
    # messages) renders per request.
    def render_page(owner: User) -> dict:
        return {
            "title": owner.display_name or owner.slug,
            "content": str(render_to_string("scheduling/public/_owner_page_content.html", {
                "owner": owner,
                "meeting_types": owner_page_meeting_types(owner=owner),
                # What the apps above add (packages: the packages a client can order).
                "sections": render_sections(owner_page_sections, request=request, owner=owner),
            })),
        }

    page = cached_public_page(owner_slug=owner_slug, name="owner_page", find_owner=lambda: _get_owner(owner_slug),
                              render=render_page)
    return render(request, "scheduling/public/owner_page.html",
                  {"title": page["title"], "content": mark_safe(page["content"])})  # noqa: S308 - our templates' HTML


def _unavailable(request: HttpRequest, owner: User) -> HttpResponse:
    """A disabled, deleted or unknown meeting type: say so, and point at what can be booked."""
    return render(request, "scheduling/public/unavailable.html", {"owner": owner}, status=404)


@throttle_post("public_booking")
def book_meeting(request: HttpRequest, owner_slug: str, meeting_type_slug: str) -> HttpResponse:
    owner = _get_owner(owner_slug)
    meeting_type = get_bookable_meeting_type(owner=owner, slug=meeting_type_slug)
    if meeting_type is None:
        return _unavailable(request, owner)
    step = TimeStep(request, meeting_type=meeting_type, default_tz=owner.timezone, wording=BOOK_WORDING,
                    form_class=BookingDetailsForm, form_kwargs={"requires_mobile": meeting_type.requires_mobile})
    step.form_initial = {"client_timezone": step.viewer_tz}

    def commit(data: dict):
        return booking_create(
            meeting_type=meeting_type,
            start=data["start"],
            client_name=data["client_name"],
            client_email=data["client_email"],
            client_phone=data["client_phone"],
            client_timezone=data["client_timezone"] or step.viewer_tz,
            now=step.now,
        )

    def page(current: Step) -> HttpResponse:
        if current.stage == "confirm":
            stage = "details"
        else:
            stage = "time" if current.picker.selected_date else "date"
        return render(request, "scheduling/public/book.html", {
            "owner": owner, "meeting_type": meeting_type, "step": current, "stage": stage,
        })

    return step.handle(
        commit=commit,
        done=lambda booking: redirect(reverse("bookings:manage", args=[booking.token]) + "?booked=1"),
        page=page,
    )
