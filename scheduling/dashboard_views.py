"""Dashboard pages where an owner sets up scheduling: meeting types and availability.

Every lookup goes through an owner-scoped helper, so another owner's ids answer 404."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from scheduling import setup_selectors as selectors
from scheduling import setup_services as services
from scheduling.forms import DateOverrideForm, MeetingTypeForm, WeeklyHoursForm, describe_duration
from scheduling.models import DateOverride, MeetingType, MeetingTypeState, Visibility


def _get_meeting_type_for_owner(request: HttpRequest, pk: int) -> MeetingType:
    return selectors.meeting_type_for_owner(owner=request.user, pk=pk)


def _get_override_for_owner(request: HttpRequest, pk: int) -> DateOverride:
    return selectors.override_for_owner(owner=request.user, pk=pk)


def _day_label(day) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _link_path(request: HttpRequest, meeting_type: MeetingType) -> str:
    """Where clients book it: a Secret type's own link, else its slug's address (a Package only
    type's says it is booked through a package)."""
    if meeting_type.visibility == Visibility.SECRET:
        return reverse("public:book_secret", args=[request.user.slug, meeting_type.secret_token])
    return reverse("public:book_meeting", args=[request.user.slug, meeting_type.slug])


def _public_link(request: HttpRequest, meeting_type: MeetingType) -> str:
    return request.build_absolute_uri(_link_path(request, meeting_type))


# ---------------------------------------------------------------------------------------------
# Meeting types


@login_required
def meeting_types(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "meeting_type": meeting_type,
            "link_path": _link_path(request, meeting_type),
            "link": _public_link(request, meeting_type),
            "duration": describe_duration(meeting_type.duration_minutes),
        }
        for meeting_type in selectors.meeting_types_for_owner(owner=request.user)
    ]
    return render(request, "scheduling/dashboard/meeting_types.html", {"rows": rows})


def _save_meeting_type(request: HttpRequest, form: MeetingTypeForm, meeting_type: MeetingType | None):
    """Run the service for a valid form; None (with the error on the form) if it refused."""
    try:
        if meeting_type is None:
            return services.meeting_type_create(owner=request.user, **form.service_fields())
        return services.meeting_type_update(meeting_type=meeting_type, **form.service_fields())
    except services.SetupError as error:
        form.add_error(error.field, error.message)
        return None


@login_required
def meeting_type_new(request: HttpRequest) -> HttpResponse:
    form = MeetingTypeForm(request.POST or None, owner=request.user)
    if request.method == "POST":
        if form.is_valid() and (saved := _save_meeting_type(request, form, None)):
            messages.success(request, f"“{saved.name}” created. Share its link: {_public_link(request, saved)}")
            return redirect("dashboard:meeting_types")
        messages.error(request, "Please correct the errors below. Nothing was saved.")
    return render(request, "scheduling/dashboard/meeting_type_form.html", {"form": form, "meeting_type": None})


@login_required
def meeting_type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting_type = _get_meeting_type_for_owner(request, pk)
    form = MeetingTypeForm(request.POST or None, owner=request.user, instance=meeting_type)
    if request.method == "POST":
        if form.is_valid() and (saved := _save_meeting_type(request, form, meeting_type)):
            messages.success(request, f"“{saved.name}” saved.")
            return redirect("dashboard:meeting_types")
        messages.error(request, "Please correct the errors below. Nothing was saved.")
    return render(
        request, "scheduling/dashboard/meeting_type_form.html", {"form": form, "meeting_type": meeting_type}
    )


@login_required
def meeting_type_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable or enable (POST state=disabled|active). Deleting has its own confirmation page."""
    meeting_type = _get_meeting_type_for_owner(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = request.POST.get("state")
    if target not in (MeetingTypeState.ACTIVE, MeetingTypeState.DISABLED):
        messages.error(request, "Choose to enable or disable the meeting type.")
        return redirect("dashboard:meeting_types")
    try:
        saved = services.meeting_type_set_state(meeting_type=meeting_type, state=target)
    except services.SetupError as error:
        messages.error(request, error.message)
        return redirect("dashboard:meeting_types")
    if saved.state == MeetingTypeState.ACTIVE:
        messages.success(request, f"“{saved.name}” is enabled: clients can book it again.")
    else:
        messages.success(request, f"“{saved.name}” is disabled: clients cannot book it until you enable it.")
    return redirect("dashboard:meeting_types")


@login_required
@require_POST
def meeting_type_secret_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Regenerate a meeting type's secret link: whoever holds the old one can no longer book."""
    meeting_type = _get_meeting_type_for_owner(request, pk)
    saved = services.meeting_type_regenerate_secret_link(meeting_type=meeting_type)
    messages.success(request, f"“{saved.name}” has a new secret link; the old one no longer works: "
                              f"{_public_link(request, saved)}")
    return redirect("dashboard:meeting_types")


@login_required
def meeting_type_delete(request: HttpRequest, pk: int) -> HttpResponse:
    meeting_type = _get_meeting_type_for_owner(request, pk)
    if request.method == "POST":
        services.meeting_type_set_state(meeting_type=meeting_type, state=MeetingTypeState.DELETED)
        messages.success(request, f"“{meeting_type.name}” deleted. Sessions already booked are kept.")
        return redirect("dashboard:meeting_types")
    return render(request, "scheduling/dashboard/meeting_type_delete.html", {"meeting_type": meeting_type})


# ---------------------------------------------------------------------------------------------
# Availability


def _availability_context(request: HttpRequest, form: WeeklyHoursForm, *, has_hours: bool) -> dict:
    today = services.owner_today(request.user)
    return {
        "form": form,
        "has_hours": has_hours,
        "overrides": selectors.upcoming_overrides_for_owner(owner=request.user, today=today),
        "owner_timezone": request.user.timezone,
    }


@login_required
def availability(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "use_default_hours" in request.POST:
        # For owners who signed up before new accounts got working hours: one click to the same start.
        if services.weekly_hours_set_default(owner=request.user):
            messages.success(request, "Monday to Friday, 09:00–17:00 saved. Change any day below.")
        else:
            messages.info(request, "You already have weekly hours; nothing was changed.")
        return redirect(reverse("dashboard:availability") + "#weekly-hours")
    if request.method == "POST":
        form = WeeklyHoursForm(request.POST)
        if form.is_valid():
            try:
                services.weekly_hours_replace(owner=request.user, hours=form.cleaned_data["hours"])
            except services.SetupError as error:
                form.add_error(None, error.message)
            else:
                source = form.cleaned_data["copied_from"]
                if source is None:
                    messages.success(request, "Weekly hours saved.")
                else:
                    messages.success(
                        request, f"{services.WEEKDAY_NAMES[source]}’s hours copied to every open day and saved."
                    )
                return redirect(reverse("dashboard:availability") + "#weekly-hours")
        messages.error(request, "Your weekly hours were not saved. Please correct the errors below.")
        has_hours = True  # not known without a query, and the notice is not needed while fixing errors
    else:
        hours = selectors.weekly_hours_for_owner(owner=request.user)
        form = WeeklyHoursForm(hours=hours)
        has_hours = any(hours.values())
    return render(
        request, "scheduling/dashboard/availability.html", _availability_context(request, form, has_hours=has_hours)
    )


@login_required
def availability_override_add(request: HttpRequest) -> HttpResponse:
    today = services.owner_today(request.user)
    form = DateOverrideForm(request.POST or None, today=today)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.date_override_add(
                    owner=request.user, date=form.cleaned_data["date"], intervals=form.cleaned_data["intervals"],
                    date_to=form.cleaned_data.get("date_to"),
                )
            except services.SetupError as error:
                form.add_error(error.field, error.message)
            else:
                days = form.dates()
                if len(days) == 1:
                    messages.success(request, f"Override for {_day_label(days[0])} saved.")
                else:
                    messages.success(request, f"Override for {_day_label(days[0])} to {_day_label(days[-1])} "
                                              f"saved ({len(days)} days).")
                return redirect("dashboard:availability")
        messages.error(request, "The override was not saved. Please correct the errors below.")
    return render(
        request, "scheduling/dashboard/override_form.html",
        {"form": form, "owner_timezone": request.user.timezone},
    )


@login_required
def availability_override_delete(request: HttpRequest, pk: int) -> HttpResponse:
    override = _get_override_for_owner(request, pk)
    if request.method == "POST":
        services.date_override_delete(owner=request.user, date=override.date)
        messages.success(request, f"Override for {_day_label(override.date)} removed; your weekly hours apply.")
        return redirect("dashboard:availability")
    return render(request, "scheduling/dashboard/override_delete.html", {"override": override})
