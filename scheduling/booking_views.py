"""The client's booking page /bookings/<token>/: see the booking, reschedule it (the same slot
picker, this booking left out of the busy times) or cancel it, within the minimum notice."""
from dataclasses import replace

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leadmonk.timezones import viewer_timezone
from scheduling.availability import bookable_slot
from scheduling.booking_forms import SAME_TIME, TIME_UNAVAILABLE, CancelForm, RescheduleForm
from scheduling.models import BookedBy, Booking
from scheduling.selectors import (
    SlotPicker,
    booking_change_refusal,
    datetime_label,
    format_slot_start,
    get_booking_by_token,
    parse_picker_date,
    parse_slot_start,
    slot_picker_context,
)
from scheduling.services import BookingError, booking_cancel, booking_reschedule


def _get_booking(token: str) -> Booking:
    booking = get_booking_by_token(token=token)
    if booking is None:
        raise Http404("No booking here.")
    return booking


def _base_context(request: HttpRequest, booking: Booking) -> dict:
    viewer_tz = viewer_timezone(request, default=booking.client_timezone or booking.owner.timezone)
    return {
        "booking": booking,
        "owner": booking.owner,
        "meeting_type": booking.meeting_type,
        "viewer_tz": viewer_tz,
        "start_label": datetime_label(booking.start, viewer_tz),
        "refusal": booking_change_refusal(booking=booking, now=timezone.now()),
        "order": booking.order_item.order if booking.order_item_id else None,
    }


def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _get_booking(token)
    context = _base_context(request, booking)
    context["just_booked"] = request.GET.get("booked") == "1" and booking.is_confirmed
    context["cancel_form"] = CancelForm()
    return render(request, "scheduling/public/booking.html", context)


def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    booking = _get_booking(token)
    context = _base_context(request, booking)
    if context["refusal"]:
        messages.error(request, context["refusal"])
        return redirect("bookings:manage", token=booking.token)
    now = timezone.now()
    page_url = reverse("bookings:reschedule", args=[booking.token])
    error = ""
    new_start = None
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                booking_reschedule(booking=booking, new_start=form.cleaned_data["start"], by=BookedBy.CLIENT, now=now)
            except BookingError as exc:
                error = exc.message
            else:
                messages.success(request, "Your booking was moved. We have emailed you the new time.")
                return redirect("bookings:manage", token=booking.token)
        else:
            error = TIME_UNAVAILABLE
    elif "start" in request.GET:
        new_start = parse_slot_start(request.GET.get("start"))
        if new_start is not None and new_start == booking.start:
            error, new_start = SAME_TIME, None
        elif new_start is None or not _is_offered(booking, new_start, now):
            error, new_start = TIME_UNAVAILABLE, None
    context.update(error=error)
    if new_start is not None:
        context.update(
            step="confirm",
            new_start_iso=format_slot_start(new_start),
            new_start_label=datetime_label(new_start, context["viewer_tz"]),
            back_url=page_url,
        )
    else:
        context.update(step="pick", picker=_without_current_time(booking, slot_picker_context(
            meeting_type=booking.meeting_type,
            viewer_tz=context["viewer_tz"],
            action_url=page_url,
            selected_date=parse_picker_date(request.GET.get("date")),
            week_start=parse_picker_date(request.GET.get("week")),
            now=now,
            exclude_booking_id=booking.pk,
        )))
    return render(request, "scheduling/public/reschedule.html", context)


def _is_offered(booking: Booking, start, now) -> bool:
    slot = bookable_slot(meeting_type=booking.meeting_type, start=start, now=now, exclude_booking_id=booking.pk)
    return slot is not None and slot.start != booking.start


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = _get_booking(token)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long: please keep it under 2000 characters.")
        return redirect("bookings:manage", token=booking.token)
    try:
        booking_cancel(booking=booking, by=BookedBy.CLIENT, reason=form.cleaned_data["reason"])
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your booking was cancelled. We have let the host know.")
    return redirect("bookings:manage", token=booking.token)


def _without_current_time(booking: Booking, picker: SlotPicker) -> SlotPicker:
    """The booking's own time is free once it is left out of the busy times; don't offer it."""
    return replace(picker, times=[time for time in picker.times if time.start != booking.start])
