"""Public pages: the personal booking page /<owner-slug>/ and booking one meeting
/<owner-slug>/<meeting-type-slug>/ (pick a date, a time in the client's zone, then the details)."""
import zoneinfo
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from leadmonk.throttle import throttle_post
from leadmonk.timezones import viewer_timezone
from packages.selectors import packages_for_owner_page
from scheduling.availability import bookable_slot
from scheduling.booking_forms import TIME_UNAVAILABLE, BookingDetailsForm
from scheduling.models import MeetingType
from scheduling.selectors import (
    datetime_label,
    get_bookable_meeting_type,
    owner_page_meeting_types,
    parse_picker_date,
    parse_slot_start,
    slot_picker_context,
)
from scheduling.services import BookingError, booking_create


def _get_owner(owner_slug: str) -> User:
    # An owner's page goes public once they confirmed their email address.
    owner = User.objects.filter(slug=owner_slug, is_active=True, email_verified=True).first()
    if owner is None:
        raise Http404("No booking page here.")
    return owner


def owner_page(request: HttpRequest, owner_slug: str) -> HttpResponse:
    owner = _get_owner(owner_slug)
    return render(request, "scheduling/public/owner_page.html", {
        "owner": owner,
        "meeting_types": owner_page_meeting_types(owner=owner),
        "packages": packages_for_owner_page(owner=owner),
    })


def _unavailable(request: HttpRequest, owner: User) -> HttpResponse:
    """A disabled, deleted or unknown meeting type: say so, and point at what can be booked."""
    return render(request, "scheduling/public/unavailable.html", {"owner": owner}, status=404)


@throttle_post("public_booking")
def book_meeting(request: HttpRequest, owner_slug: str, meeting_type_slug: str) -> HttpResponse:
    owner = _get_owner(owner_slug)
    meeting_type = get_bookable_meeting_type(owner=owner, slug=meeting_type_slug)
    if meeting_type is None:
        return _unavailable(request, owner)
    now = timezone.now()
    viewer_tz = viewer_timezone(request, default=owner.timezone)
    page_url = reverse("public:book_meeting", args=[owner.slug, meeting_type.slug])

    if request.method == "POST":
        form = BookingDetailsForm(request.POST, requires_mobile=meeting_type.requires_mobile)
        if form.is_valid() and not _is_offered(meeting_type, form.cleaned_data["start"], now):
            # Past, outside the hours, off the step, beyond the horizon, or taken: say so plainly.
            # (The service checks again under the owner's lock, for the race.)
            return _picker_page(request, meeting_type, viewer_tz, page_url, now, error=TIME_UNAVAILABLE)
        if form.is_valid():
            try:
                booking = booking_create(
                    meeting_type=meeting_type,
                    start=form.cleaned_data["start"],
                    client_name=form.cleaned_data["client_name"],
                    client_email=form.cleaned_data["client_email"],
                    client_phone=form.cleaned_data["client_phone"],
                    client_timezone=form.cleaned_data["client_timezone"] or viewer_tz,
                    now=now,
                )
            except BookingError as error:
                return _picker_page(request, meeting_type, viewer_tz, page_url, now, error=error.message)
            return redirect(reverse("bookings:manage", args=[booking.token]) + "?booked=1")
        start = form.cleaned_data.get("start") if "start" in form.cleaned_data else None
        if start is None:
            # The time itself was bad: nothing to fill in yet, go back to picking one.
            return _picker_page(request, meeting_type, viewer_tz, page_url, now, error=TIME_UNAVAILABLE)
        return _details_page(request, meeting_type, viewer_tz, page_url, start, form)

    if "start" in request.GET:
        start = parse_slot_start(request.GET.get("start"))
        if start is None or not _is_offered(meeting_type, start, now):
            return _picker_page(request, meeting_type, viewer_tz, page_url, now, error=TIME_UNAVAILABLE)
        form = BookingDetailsForm(
            initial={"start": request.GET["start"], "client_timezone": viewer_tz},
            requires_mobile=meeting_type.requires_mobile,
        )
        return _details_page(request, meeting_type, viewer_tz, page_url, start, form)
    return _picker_page(request, meeting_type, viewer_tz, page_url, now)


def _is_offered(meeting_type: MeetingType, start, now) -> bool:
    return bookable_slot(meeting_type=meeting_type, start=start, now=now) is not None


def _picker_page(request, meeting_type: MeetingType, viewer_tz: str, page_url: str, now, error: str = ""):
    picker = slot_picker_context(
        meeting_type=meeting_type,
        viewer_tz=viewer_tz,
        action_url=page_url,
        selected_date=parse_picker_date(request.GET.get("date")),
        week_start=parse_picker_date(request.GET.get("week")),
        now=now,
    )
    return render(request, "scheduling/public/book.html", {
        "owner": meeting_type.owner,
        "meeting_type": meeting_type,
        "picker": picker,
        "step": "time" if picker.selected_date else "date",
        "error": error,
    })


def _details_page(request, meeting_type: MeetingType, viewer_tz: str, page_url: str, start, form):
    local_date = start.astimezone(zoneinfo.ZoneInfo(viewer_tz)).date()
    return render(request, "scheduling/public/book.html", {
        "owner": meeting_type.owner,
        "meeting_type": meeting_type,
        "form": form,
        "step": "details",
        "start_label": datetime_label(start, viewer_tz),
        "viewer_tz": viewer_tz,
        "change_url": f"{page_url}?{urlencode({'date': local_date.isoformat(), 'tz': viewer_tz})}",
    })
