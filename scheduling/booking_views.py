"""The client's booking page /bookings/<token>/: see the booking, reschedule it (the shared booking
step, this booking left out of the busy times) or cancel it, within the minimum notice."""
import hashlib

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leadmonk.languages import translatable as _
from leadmonk.languages import use_page_language
from leadmonk.timezones import viewer_clock, viewer_timezone
from scheduling.availability import meeting_rows
from scheduling.booking_forms import CancelForm
from scheduling.booking_step import Step, StepWording, TimeStep, cancel_step
from scheduling.calendar import bookings_ics
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.selectors import booking_change_refusal, datetime_label, get_booking_by_token
from scheduling.services import BookingAwaitingPayment, MeetingTypeUnavailable, booking_cancel, booking_reschedule
from scheduling.signals import (
    book_again_link_for,
    cancel_terms_for,
    cancel_warning_for,
    held_booking_payment_url_for,
    reschedule_refusal_for,
)

RESCHEDULE_WORDING = StepWording(picker_heading=_("Pick a new date"), confirm_heading=_("Move your booking to"),
                                 confirm_button=_("Confirm new time"))


def _get_booking(token: str) -> Booking:
    booking = get_booking_by_token(token=token)
    if booking is None:
        raise Http404("No booking here.")
    use_page_language(booking.owner)  # the client's page speaks the owner's page language
    return booking


def _reschedule_refusal(booking: Booking, now) -> str:
    """Why the client cannot move this booking online, said before they pick a time: its meeting
    type (for a team meeting, any host's copy) can no longer be scheduled (disabled, deleted, or
    its host left the team), which booking_reschedule refuses; else what the apps above say."""
    if not all(row.meeting_type.is_bookable for row in meeting_rows(booking)):
        return MeetingTypeUnavailable.message
    return reschedule_refusal_for(booking, now)


def _cancel_seen(warning: str, terms: str) -> str:
    """What the page says cancelling does (a late cancel's warning, what happens to the money), in
    short: the cancel form sends it back, and a cancel whose outcome has changed since is not made."""
    return hashlib.sha256(f"{warning}\n{terms}".encode()).hexdigest()[:16]


def _base_context(request: HttpRequest, booking: Booking) -> dict:
    viewer_tz = viewer_timezone(request, default=booking.client_timezone or booking.owner.timezone)
    now = timezone.now()
    cancel_warning = cancel_warning_for(booking, now) if booking.is_confirmed else ""
    cancel_terms = cancel_terms_for(booking, now) if booking.is_confirmed else ""
    return {
        "booking": booking,
        # A session that is over is not offered to the client's calendar any more.
        "has_ended": booking.end <= now,
        "owner": booking.owner,
        "meeting_type": booking.meeting_type,
        "viewer_tz": viewer_tz,
        "start_label": datetime_label(booking.start, viewer_tz, viewer_clock(request)),
        "refusal": booking_change_refusal(booking=booking, now=timezone.now()),
        "order": booking.order_item.order if booking.order_item_id else None,
        "cancel_warning": cancel_warning,
        "cancel_terms": cancel_terms,
        "cancel_seen": _cancel_seen(cancel_warning, cancel_terms),
        "reschedule_refusal": _reschedule_refusal(booking, timezone.now()) if booking.is_confirmed else "",
    }


def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _get_booking(token)
    if booking.status == BookingStatus.HELD:
        # A paid session not paid yet: its page is the checkout (payments), which says how long
        # the time is still held.
        pay_url = held_booking_payment_url_for(booking)
        if pay_url:
            return redirect(pay_url)
    context = _base_context(request, booking)
    context["just_booked"] = request.GET.get("booked") == "1" and booking.is_confirmed
    context["cancel_form"] = CancelForm()
    context["book_again"] = None if booking.is_confirmed or booking.order_item_id else book_again_link_for(booking)
    return render(request, "scheduling/public/booking.html", context)


def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    booking = _get_booking(token)
    if booking.status == BookingStatus.HELD:
        # A paid session not paid yet has no booked time to move: say so, and go on to its page,
        # which is its payment (see manage).
        messages.info(request, BookingAwaitingPayment.message)
        return redirect("bookings:manage", token=booking.token)
    context = _base_context(request, booking)
    if context["refusal"] or context["reschedule_refusal"]:
        messages.error(request, context["refusal"] or context["reschedule_refusal"])
        return redirect("bookings:manage", token=booking.token)
    step = TimeStep(request, meeting_type=booking.meeting_type, wording=RESCHEDULE_WORDING, moving=booking,
                    default_tz=booking.client_timezone or booking.owner.timezone)

    def done(_moved) -> HttpResponse:
        messages.success(request, _("Your booking was moved. We have emailed you the new time."))
        return redirect("bookings:manage", token=booking.token)

    def page(current: Step) -> HttpResponse:
        return render(request, "scheduling/public/reschedule.html", {**context, "step": current})

    return step.handle(
        commit=lambda data: booking_reschedule(booking=booking, new_start=data["start"], by=BookedBy.CLIENT,
                                               now=step.now),
        done=done,
        page=page,
    )


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel as the page said: a page opened before the cancellation window started (or before a
    refund changed what is left to give back) promised another outcome than a cancel now has, so
    nothing is cancelled and the page, shown again, says what cancelling does now."""
    booking = _get_booking(token)
    seen = request.POST.get("seen")
    if seen is not None and booking.is_confirmed:
        now = timezone.now()
        if seen != _cancel_seen(cancel_warning_for(booking, now), cancel_terms_for(booking, now)):
            messages.warning(request, _("What cancelling does has changed since you opened this page: read it "
                                        "again below, then cancel if you still want to."))
            return redirect(reverse("bookings:manage", args=[booking.token]) + "#cancel")
    return cancel_step(
        request,
        cancel=lambda reason: booking_cancel(booking=booking, by=BookedBy.CLIENT, reason=reason),
        success=_("Your booking was cancelled. We have let the host know."),
        next_url=reverse("bookings:manage", args=[booking.token]),
    )


def calendar_file(request: HttpRequest, token: str) -> HttpResponse:
    """The booking as an .ics download ("Add to calendar"); a cancelled one says so in the file."""
    booking = _get_booking(token)
    response = HttpResponse(bookings_ics(bookings=[booking]), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="session.ics"'
    return response
