"""The owner's Upcoming page (/dashboard/): sessions grouped by day in the owner's zone, past and
cancelled ones on their own tabs, and a booking's page where the owner cancels or reschedules."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.services import owner_setup_done
from leadmonk.content_version import BOOKINGS, CONTENT, ORDERS
from leadmonk.csv_export import ExportRangeForm, export_response
from leadmonk.dashboard_pages import cached_page, minute_bucket
from leadmonk.keyset import keyset_page
from leadmonk.sections import render_sections
from leadmonk.timezones import viewer_clock
from scheduling import exports
from scheduling.attendance import booking_mark_attendance
from scheduling.availability import meeting_rows
from scheduling.booking_forms import AttendanceForm, CancelForm
from scheduling.booking_step import Step, StepWording, TimeStep, cancel_step
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.selectors import (
    booking_change_refusal,
    datetime_label,
    get_booking_for_owner,
    group_by_day,
    owner_cancelled_upcoming_bookings,
    owner_past_bookings,
    owner_upcoming_bookings,
)
from scheduling.services import BookingAwaitingPayment, BookingError, booking_cancel, booking_reschedule
from scheduling.setup import setup_checklist
from scheduling.signals import owner_booking_page_sections

PER_PAGE = 25
VIEWS = {  # label, selector, newest first (past sessions) or soonest first
    "upcoming": ("Upcoming", owner_upcoming_bookings, False),
    "past": ("Past sessions", owner_past_bookings, True),
    "cancelled": ("Cancelled", owner_cancelled_upcoming_bookings, False),
}
RESCHEDULE_WORDING = StepWording(picker_heading="Pick a new date", confirm_heading="Move the session to",
                                 confirm_button="Confirm new time", confirm_note="The client is told by email.",
                                 picker_note="As the owner you can pick times inside the minimum notice.")


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
    title, selector, descending = VIEWS[view]
    owner = request.user
    labels = {"previous_label": "Newer", "next_label": "Older"} if descending else {
        "previous_label": "Earlier", "next_label": "Later"}
    def context() -> dict:
        now = timezone.now()
        page = keyset_page(selector(owner=owner, now=now), request.GET, key="start", descending=descending,
                           size=PER_PAGE, **labels)
        checklist = None
        if owner.setup_done_at is None and view == "upcoming":
            checklist = setup_checklist(owner=owner, site_url=request.build_absolute_uri("/").rstrip("/"))
            if checklist.complete:
                owner_setup_done(owner=owner, now=now)
        return {
            # The first hour: what is left to set up, until all of it is done.
            "checklist": checklist if checklist and not checklist.complete else None,
            "export_form": ExportRangeForm(),
            "view": view,
            "tabs": [(key, label) for key, (label, _, _) in VIEWS.items()],
            "view_title": title,
            "page": page,
            "groups": group_by_day(page.object_list, owner.timezone),
            "owner_tz": owner.timezone,
            # A session that has started takes its attendance here, on Upcoming (under way) or Past.
            "now": now,
        }

    # Sessions (BOOKINGS), their meeting types and the owner's row (CONTENT), their orders' titles
    # (ORDERS); which sessions are listed, and which take attendance, moves with the clock: the
    # minute is in the key. The setup checklist reads what no version covers: never cached.
    return cached_page(request, name=f"upcoming_{view}", template="scheduling/upcoming/home.html", context=context,
                       kinds=(CONTENT, BOOKINGS, ORDERS), bucket=minute_bucket(),
                       cacheable=owner.setup_done_at is not None)


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking_for_owner(request, pk)
    owner_tz = request.user.timezone
    clock = viewer_clock(request)
    return render(request, "scheduling/upcoming/booking_detail.html", {
        "booking": booking,
        "start_label": datetime_label(booking.start, owner_tz, clock),
        "end_label": datetime_label(booking.end, owner_tz, clock),
        "client_label": datetime_label(booking.start, booking.client_timezone, clock),
        # A paid session while the client pays: when its time is freed unless paid.
        "hold_label": datetime_label(booking.hold_expires_at, owner_tz, clock) if booking.hold_expires_at else "",
        "owner_tz": owner_tz,
        "refusal": booking_change_refusal(booking=booking, now=timezone.now(), by_owner=True),
        "order": booking.order_item.order if booking.order_item_id else None,
        # A meeting with several hosts (a collective team meeting): the others, who move and cancel with it.
        "co_hosts": [row.meeting_type.owner for row in meeting_rows(booking) if row.pk != booking.pk],
        "cancel_form": CancelForm(),
        "now": timezone.now(),
        # What the apps above add (notifications: the booking's messages and reminders).
        "sections": render_sections(owner_booking_page_sections, request=request, booking=booking),
    })


@login_required
@require_POST
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking_for_owner(request, pk)
    # An unpaid hold is released and nobody told of it (booking_cancel), as an abandoned one is.
    success = ("The unpaid hold was released." if booking.status == BookingStatus.HELD
               else f"The session was cancelled. {booking.client_name} has been told.")
    return cancel_step(
        request,
        cancel=lambda reason: booking_cancel(booking=booking, by=BookedBy.OWNER, reason=reason),
        success=success,
        next_url=reverse("dashboard:booking_detail", args=[booking.pk]),
    )


@login_required
def booking_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _get_booking_for_owner(request, pk)
    refusal = booking_change_refusal(booking=booking, now=timezone.now(), by_owner=True)
    if booking.status == BookingStatus.HELD:
        refusal = BookingAwaitingPayment.message  # not booked yet: nothing to move
    if refusal:
        messages.error(request, refusal)
        return redirect("dashboard:booking_detail", pk=booking.pk)
    step = TimeStep(request, meeting_type=booking.meeting_type, default_tz=request.user.timezone,
                    wording=RESCHEDULE_WORDING, moving=booking, enforce_notice=False, owner_page=True)

    def done(_moved) -> HttpResponse:
        messages.success(request, f"The session was moved. {booking.client_name} has been told.")
        return redirect("dashboard:booking_detail", pk=booking.pk)

    def page(current: Step) -> HttpResponse:
        return render(request, "scheduling/upcoming/reschedule.html", {
            "booking": booking,
            "step": current,
            "start_label": datetime_label(booking.start, current.viewer_tz, current.clock),
        })

    return step.handle(
        commit=lambda data: booking_reschedule(booking=booking, new_start=data["start"], by=BookedBy.OWNER,
                                               now=step.now),
        done=done,
        page=page,
    )


@login_required
@require_POST
def booking_attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a session that has started as attended or a no-show (a future one is refused, saying why)."""
    booking = _get_booking_for_owner(request, pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["attendance"][0])
    else:
        try:
            booking, changed = booking_mark_attendance(booking=booking, attendance=form.cleaned_data["attendance"],
                                                       by_user=request.user)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            marked = booking.get_attendance_display().lower()
            if changed:
                messages.success(request, f"{booking.client_name}: {marked}.")
            else:
                messages.info(request, f"{booking.client_name}: already marked {marked}.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
        back = reverse("dashboard:booking_detail", args=[booking.pk])
    return redirect(back)


@login_required
@require_http_methods(["GET", "HEAD"])
def booking_export(request: HttpRequest) -> HttpResponse:
    """The owner's sessions starting in a date range (any status), as CSV."""
    return export_response(
        request, title="bookings", basename="bookings", back_url=reverse("dashboard:home"),
        header=exports.booking_header, rows=lambda start, end, tz: exports.booking_rows(request.user, start, end, tz),
    )
