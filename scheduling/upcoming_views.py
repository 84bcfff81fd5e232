"""The owner's Upcoming page (/dashboard/): sessions grouped by day in the owner's zone, past and
cancelled ones on their own tabs, and a booking's page where the owner cancels or reschedules."""
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leadmonk.sections import render_sections
from leadmonk.timezones import is_valid_timezone
from scheduling.availability import bookable_slot
from scheduling.booking_forms import SAME_TIME, TIME_UNAVAILABLE, CancelForm, RescheduleForm
from scheduling.models import BookedBy, Booking
from scheduling.selectors import (
    SlotPicker,
    booking_change_refusal,
    datetime_label,
    format_slot_start,
    get_booking_for_owner,
    group_by_day,
    owner_cancelled_upcoming_bookings,
    owner_past_bookings,
    owner_upcoming_bookings,
    parse_picker_date,
    parse_slot_start,
    slot_picker_context,
)
from scheduling.services import BookingError, booking_cancel, booking_reschedule
from scheduling.signals import owner_booking_page_sections

PER_PAGE = 25
VIEWS = {
    "upcoming": ("Upcoming", owner_upcoming_bookings),
    "past": ("Past sessions", owner_past_bookings),
    "cancelled": ("Cancelled", owner_cancelled_upcoming_bookings),
}


def _get_booking_for_owner(request: HttpRequest, pk: int) -> Booking:
    booking = get_booking_for_owner(owner=request.user, pk=pk)
    if booking is None:
        raise Http404("No such booking.")
    return booking


@login_required
def home(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "upcoming")
    if view not in VIEWS:
        view = "upcoming"
    title, selector = VIEWS[view]
    owner = request.user
    page = Paginator(selector(owner=owner, now=timezone.now()), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "scheduling/upcoming/home.html", {
        "view": view,
        "tabs": [(key, label) for key, (label, _) in VIEWS.items()],
        "view_title": title,
        "page": page,
        "groups": group_by_day(page.object_list, owner.timezone),
        "owner_tz": owner.timezone,
    })


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking_for_owner(request, pk)
    owner_tz = request.user.timezone
    return render(request, "scheduling/upcoming/booking_detail.html", {
        "booking": booking,
        "start_label": datetime_label(booking.start, owner_tz),
        "end_label": datetime_label(booking.end, owner_tz),
        "client_label": datetime_label(booking.start, booking.client_timezone),
        "owner_tz": owner_tz,
        "refusal": booking_change_refusal(booking=booking, now=timezone.now(), by_owner=True),
        "order": booking.order_item.order if booking.order_item_id else None,
        "cancel_form": CancelForm(),
        # What the apps above add (notifications: the booking's messages and reminders).
        "sections": render_sections(owner_booking_page_sections, request=request, booking=booking),
    })


@login_required
@require_POST
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking_for_owner(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long: please keep it under 2000 characters.")
        return redirect("dashboard:booking_detail", pk=booking.pk)
    try:
        booking_cancel(booking=booking, by=BookedBy.OWNER, reason=form.cleaned_data["reason"])
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The session was cancelled. {booking.client_name} has been told.")
    return redirect("dashboard:booking_detail", pk=booking.pk)


@login_required
def booking_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking_for_owner(request, pk)
    now = timezone.now()
    refusal = booking_change_refusal(booking=booking, now=now, by_owner=True)
    if refusal:
        messages.error(request, refusal)
        return redirect("dashboard:booking_detail", pk=booking.pk)
    owner_tz = request.GET.get("tz") if is_valid_timezone(request.GET.get("tz") or "") else request.user.timezone
    page_url = reverse("dashboard:booking_reschedule", args=[booking.pk])
    error, new_start = "", None
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                booking_reschedule(booking=booking, new_start=form.cleaned_data["start"], by=BookedBy.OWNER, now=now)
            except BookingError as exc:
                error = exc.message
            else:
                messages.success(request, f"The session was moved. {booking.client_name} has been told.")
                return redirect("dashboard:booking_detail", pk=booking.pk)
        else:
            error = TIME_UNAVAILABLE
    elif "start" in request.GET:
        new_start = parse_slot_start(request.GET.get("start"))
        slot = new_start and bookable_slot(
            meeting_type=booking.meeting_type, start=new_start, now=now,
            exclude_booking_id=booking.pk, enforce_notice=False,
        )
        if new_start is not None and new_start == booking.start:
            error, new_start = SAME_TIME, None
        elif not slot:
            error, new_start = TIME_UNAVAILABLE, None
    context = {
        "booking": booking,
        "owner_tz": owner_tz,
        "start_label": datetime_label(booking.start, owner_tz),
        "error": error,
    }
    if new_start is not None:
        context.update(step="confirm", new_start_iso=format_slot_start(new_start),
                       new_start_label=datetime_label(new_start, owner_tz), back_url=page_url)
    else:
        context.update(step="pick", picker=_without_current_time(booking, slot_picker_context(
            meeting_type=booking.meeting_type,
            viewer_tz=owner_tz,
            action_url=page_url,
            selected_date=parse_picker_date(request.GET.get("date")),
            week_start=parse_picker_date(request.GET.get("week")),
            now=now,
            exclude_booking_id=booking.pk,
            enforce_notice=False,
        )))
    return render(request, "scheduling/upcoming/reschedule.html", context)


def _without_current_time(booking: Booking, picker: SlotPicker) -> SlotPicker:
    """The booking's own time is free once it is left out of the busy times; don't offer it."""
    return replace(picker, times=[time for time in picker.times if time.start != booking.start])
