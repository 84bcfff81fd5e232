"""Settings > Calendars: the owner's other calendars, adding an ICS feed or a CalDAV account,
choosing which calendars are checked and which one bookings are added to, "Refresh now", remove."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from calendars import selectors, services
from calendars.forms import AllDayForm, CalDAVForm, ChooseForm, FeedForm
from calendars.models import Calendar, CalendarConnection, ConnectionKind
from calendars.tasks import queue_refresh

REFUSED = "Nothing was saved."


def _get_connection_for_owner(request: HttpRequest, pk: int) -> CalendarConnection:
    connection = CalendarConnection.objects.filter(owner=request.user, pk=pk).first()
    if connection is None:
        raise Http404("No such calendar.")
    return connection


@login_required
def calendars_page(request: HttpRequest) -> HttpResponse:
    which = request.POST.get("form") if request.method == "POST" else None
    feed_form = FeedForm(request.POST if which == "feed" else None)
    caldav_form = CalDAVForm(request.POST if which == "caldav" else None)
    if which == "feed" and feed_form.is_valid():
        data = feed_form.cleaned_data
        try:
            connection = services.feed_add(owner=request.user, url=data["url"], name=data["name"],
                                           all_day_busy=data["all_day_busy"])
        except services.CalendarError as error:
            feed_form.add_error("url", str(error))
        else:
            messages.success(request, f"“{connection.name}” added: {connection.event_count} events read.")
            return redirect("calendars:list")
    elif which == "caldav" and caldav_form.is_valid():
        data = caldav_form.cleaned_data
        try:
            connection = services.caldav_add(owner=request.user, url=data["url"], username=data["username"],
                                             password=data["password"], name=data["name"],
                                             all_day_busy=data["all_day_busy"])
        except services.CredentialsRefused as error:
            caldav_form.add_error("password", str(error))
        except services.CalendarError as error:
            caldav_form.add_error("url", str(error))
        else:
            messages.success(request, "Account connected. Choose the calendars to check for conflicts.")
            return redirect("calendars:detail", pk=connection.pk)
    if which in ("feed", "caldav"):
        messages.error(request, f"Please correct the errors below. {REFUSED}")
    status = 400 if which in ("feed", "caldav") else 200
    return render(request, "calendars/list.html", {
        "connections": selectors.connections_for_owner(request.user), "feed_form": feed_form,
        "caldav_form": caldav_form, "stale_after": timezone.now() - services.STALE_AFTER,
    }, status=status)


@login_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _get_connection_for_owner(request, pk)
    calendars = list(connection.calendars.all())
    choose = ChooseForm(request.POST or None, calendars=calendars) if connection.kind == ConnectionKind.CALDAV else None
    all_day = AllDayForm(request.POST or None, initial={"all_day_busy": connection.all_day_busy})
    if request.method == "POST":
        if (choose is None or choose.is_valid()) and all_day.is_valid():
            if choose is not None:
                services.caldav_choose(connection=connection, checked_ids=choose.cleaned_data["checked"],
                                       add_bookings_id=choose.cleaned_data["add_bookings"])
            services.connection_set_all_day(connection=connection, all_day_busy=all_day.cleaned_data["all_day_busy"])
            queue_refresh(connection.pk)
            messages.success(request, "Saved. The busy times are being read again.")
            return redirect("calendars:list")
        messages.error(request, f"Please correct the errors below. {REFUSED}")
    # Bookings going to another account's calendar: its "None" keeps them there (services.caldav_choose).
    elsewhere = (Calendar.objects.filter(owner=request.user, add_bookings=True).exclude(connection=connection)
                 .select_related("connection").first()) if choose is not None else None
    return render(request, "calendars/detail.html", {"connection": connection, "choose": choose, "all_day": all_day,
                                                     "bookings_elsewhere": elsewhere},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def connection_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _get_connection_for_owner(request, pk)
    services.connection_refresh_now(connection=connection)
    queue_refresh(connection.pk)
    messages.success(request, f"“{connection.name}” is being refreshed.")
    return redirect("calendars:list")


@login_required
@require_POST
def connection_remove(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _get_connection_for_owner(request, pk)
    services.connection_remove(connection=connection)
    messages.success(request, f"“{connection.name}” removed; its busy times no longer block bookings.")
    return redirect("calendars:list")
