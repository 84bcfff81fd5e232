"""Public team pages: /team/<team-slug>/ lists the team's meeting types (never packages),
/team/<team-slug>/<meeting-type-slug>/ books one (the personal page's picker over the hosts'
pooled slots), and /team/join/<token>/ accepts an emailed invitation."""
from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from leadmonk.timezones import viewer_timezone
from scheduling.booking_forms import TIME_UNAVAILABLE, BookingDetailsForm
from scheduling.selectors import datetime_label, parse_picker_date, parse_slot_start, slot_picker_context
from scheduling.services import BookingError
from teams import services
from teams.forms import JoinSignupForm
from teams.models import Team, TeamMeetingType
from teams.rules import BadToken, ExpiredToken, invitation_id_from_token
from teams.selectors import (
    get_public_team_meeting_type,
    invitation_for_join,
    public_team,
    public_team_meeting_types,
    team_is_taking_bookings,
    team_slot_loader,
)


def _get_team(team_slug: str) -> Team:
    team = public_team(slug=team_slug)
    if team is None:
        raise Http404("No team page here.")
    return team


def _hosts_label(team_meeting_type: TeamMeetingType) -> str:
    return ", ".join(host.membership.user.display_name or host.membership.user.email
                     for host in team_meeting_type.hosts.all())


def team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = _get_team(team_slug)
    taking = team_is_taking_bookings(team)
    meeting_types = public_team_meeting_types(team=team) if taking else []
    for meeting_type in meeting_types:
        meeting_type.hosts_label = _hosts_label(meeting_type)
    return render(request, "teams/public/team_page.html", {
        "team": team, "taking_bookings": taking, "meeting_types": meeting_types,
    })


def book_team_meeting(request: HttpRequest, team_slug: str, meeting_type_slug: str) -> HttpResponse:
    team = _get_team(team_slug)
    if not team_is_taking_bookings(team):
        return render(request, "teams/public/team_page.html",
                      {"team": team, "taking_bookings": False, "meeting_types": []}, status=404)
    team_meeting_type = get_public_team_meeting_type(team=team, slug=meeting_type_slug)
    hosts = services.host_meeting_types(team_meeting_type) if team_meeting_type else []
    if not hosts:
        return render(request, "teams/public/unavailable.html", {"team": team}, status=404)
    team_meeting_type.hosts_label = _hosts_label(team_meeting_type)
    now = timezone.now()
    viewer_tz = viewer_timezone(request, default=team.timezone)
    page = _Page(request, team, team_meeting_type, hosts, viewer_tz, now)

    if request.method == "POST":
        form = BookingDetailsForm(request.POST)
        if form.is_valid() and not page.is_offered(form.cleaned_data["start"]):
            return page.picker(error=TIME_UNAVAILABLE)
        if form.is_valid():
            try:
                booking = services.team_booking_create(
                    team_meeting_type=team_meeting_type, start=form.cleaned_data["start"],
                    client_name=form.cleaned_data["client_name"], client_email=form.cleaned_data["client_email"],
                    client_phone=form.cleaned_data["client_phone"],
                    client_timezone=form.cleaned_data["client_timezone"] or viewer_tz, now=now,
                )
            except (BookingError, services.TeamError) as error:
                return page.picker(error=error.message)
            return redirect(reverse("bookings:manage", args=[booking.token]) + "?booked=1")
        start = form.cleaned_data.get("start")
        if start is None:
            return page.picker(error=TIME_UNAVAILABLE)
        return page.details(start, form)

    if "start" in request.GET:
        start = parse_slot_start(request.GET.get("start"))
        if start is None or not page.is_offered(start):
            return page.picker(error=TIME_UNAVAILABLE)
        form = BookingDetailsForm(initial={"start": request.GET["start"], "client_timezone": viewer_tz})
        return page.details(start, form)
    return page.picker()


class _Page:
    """The three steps of booking a team meeting (date, time, details), one template."""

    def __init__(self, request, team, team_meeting_type, hosts, viewer_tz, now):
        self.request, self.team, self.team_meeting_type = request, team, team_meeting_type
        self.hosts, self.viewer_tz, self.now = hosts, viewer_tz, now
        self.url = reverse("team_public:book", args=[team.slug, team_meeting_type.slug])
        self.loader = team_slot_loader(team_meeting_type, hosts)

    def is_offered(self, start) -> bool:
        slots = self.loader(range_start=start, range_end=start + dt.timedelta(microseconds=1), now=self.now)
        return any(slot.start == start for slot in slots)

    def _render(self, context: dict) -> HttpResponse:
        return render(self.request, "teams/public/book.html", {
            "team": self.team, "team_meeting_type": self.team_meeting_type, **context,
        })

    def picker(self, error: str = "") -> HttpResponse:
        picker = slot_picker_context(
            meeting_type=self.hosts[0], viewer_tz=self.viewer_tz, action_url=self.url,
            selected_date=parse_picker_date(self.request.GET.get("date")),
            week_start=parse_picker_date(self.request.GET.get("week")),
            now=self.now, slot_loader=self.loader,
        )
        return self._render({"picker": picker, "step": "time" if picker.selected_date else "date", "error": error})

    def details(self, start, form) -> HttpResponse:
        local_date = start.astimezone(zoneinfo.ZoneInfo(self.viewer_tz)).date()
        return self._render({
            "form": form, "step": "details", "start_label": datetime_label(start, self.viewer_tz),
            "viewer_tz": self.viewer_tz,
            "change_url": f"{self.url}?{urlencode({'date': local_date.isoformat(), 'tz': self.viewer_tz})}",
        })


def join(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: log in as the invited address and press Join, or create the account here."""
    try:
        invitation = invitation_for_join(invitation_id=invitation_id_from_token(token))
        if invitation is None:
            raise BadToken()
        services.check_invitation_usable(invitation)
    except ExpiredToken:
        return _join_refused(request, services.InvitationExpired.message)
    except BadToken:
        return _join_refused(request, services.InvitationInvalid.message)
    except services.TeamError as error:
        return _join_refused(request, error.message)

    user = request.user if request.user.is_authenticated else None
    form = None
    if request.method == "POST":
        try:
            if user is not None:
                services.invitation_accept(invitation=invitation, user=user)
            else:
                form = JoinSignupForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return _join_page(request, invitation, form, status=400)
                user = services.invitation_accept_with_signup(
                    invitation=invitation, display_name=form.cleaned_data["display_name"],
                    password=form.cleaned_data["password"], timezone_name=form.cleaned_data["timezone"])
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except services.TeamError as error:
            return _join_page(request, invitation, form, error=error.message, status=400)
        messages.success(request, f"Welcome to {invitation.team.name}.")
        return redirect("teams:detail", pk=invitation.team_id)
    return _join_page(request, invitation, form)


def _join_page(request, invitation, form, error: str = "", status: int = 200) -> HttpResponse:
    from accounts.models import User

    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    if form is None and not request.user.is_authenticated and not has_account:
        form = JoinSignupForm(email=invitation.email)
    wrong_user = request.user.is_authenticated and request.user.email.lower() != invitation.email.lower()
    return render(request, "teams/public/join.html", {
        "invitation": invitation, "form": form, "error": error, "has_account": has_account,
        "wrong_user": wrong_user, "login_url": reverse("accounts:login") + "?" + urlencode({"next": request.path}),
    }, status=status)


def _join_refused(request, message: str) -> HttpResponse:
    return render(request, "teams/public/join.html", {"refused": message}, status=410)
