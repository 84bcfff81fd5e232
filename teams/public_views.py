"""Public team pages: /team/<team-slug>/ lists the team's meeting types (never packages),
/team/<team-slug>/<meeting-type-slug>/ books one (the personal page's picker over the hosts'
pooled slots; a Secret one at /team/<team-slug>/s/<token>/), and /team/join/<token>/ accepts an emailed invitation."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from leadmonk.content_version import cached_team_page
from leadmonk.languages import translatable as _
from leadmonk.languages import use_page_language
from leadmonk.public_frame import framed_page
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
from scheduling.rules import BookingPath, booking_path_refusal
from scheduling.services import BookingError
from teams import services
from teams.forms import JoinSignupForm
from teams.models import Team, TeamMeetingType
from teams.rules import BadToken, ExpiredToken, invitation_id_from_token
from teams.selectors import (
    get_public_team_meeting_type,
    get_team_meeting_type_by_secret,
    invitation_for_join,
    public_team,
    public_team_meeting_types,
    team_is_taking_bookings,
    team_people,
    team_slot_loader,
)

BOOK_WORDING = StepWording(picker_heading=_("Pick a date"), confirm_heading=_("Your details"),
                           confirm_button=_("Confirm booking"))


def _get_team(team_slug: str) -> Team:
    team = public_team(slug=team_slug)
    if team is None:
        raise Http404("No team page here.")
    use_page_language(team.owner)  # the team's pages speak its owner's page language
    return team


def _hosts_label(team_meeting_type: TeamMeetingType) -> str:
    return ", ".join(host.membership.user.display_name or host.membership.user.email
                     for host in team_meeting_type.hosts.all())


def team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    # Cached by slug under the team's versions (leadmonk.content_version.cached_team_page): a hit
    # is one cache round trip and no query. The frame (CSRF token, messages) renders per request.
    def render_page(team: Team) -> dict:
        taking = team_is_taking_bookings(team)
        meeting_types = public_team_meeting_types(team=team) if taking else []
        for meeting_type in meeting_types:
            meeting_type.hosts_label = _hosts_label(meeting_type)
        return {"title": team.name, "content": str(render_to_string("teams/public/_team_page_content.html", {
            "team": team, "taking_bookings": taking, "meeting_types": meeting_types,
        }))}

    page = cached_team_page(team_slug=team_slug, name="team_page", find_team=lambda: _get_team(team_slug),
                            people_of=team_people, render=render_page)
    return _page(request, "teams/public/team_page.html", page)


def _page(request: HttpRequest, template: str, body: dict, status: int = 200) -> HttpResponse:
    return framed_page(request, template, title=body["title"], content=body["content"], status=status)


def _book_body(request: HttpRequest | None, team: Team, team_meeting_type: TeamMeetingType, current: Step) -> dict:
    """The team booking page's title and body at the stage `current` (`request` renders the
    confirm stage's CSRF token; the pick stage, which is cached, renders without one)."""
    if current.stage == "confirm":
        stage = "details"
    else:
        stage = "time" if current.picker.selected_date else "date"
    return {"title": _("%(meeting)s with %(owner)s") % {"meeting": team_meeting_type.name, "owner": team.name},
            "content": str(render_to_string("scheduling/public/_book_content.html", {
                "team": team, "team_meeting_type": team_meeting_type, "meeting_type": team_meeting_type,
                "page_name": team.name, "page_url": reverse("team_public:team_page", args=[team.slug]),
                "step": current, "stage": stage,
            }, request=request))}


def _bookable(team: Team, find, path: BookingPath):
    """The team meeting type `find(team)` gives with its hosts' copies, or None when the team takes
    no bookings or the type cannot be booked through `path`."""
    if not team_is_taking_bookings(team):
        return None
    team_meeting_type = find(team)
    if team_meeting_type is not None and booking_path_refusal(team_meeting_type, path=path):
        return None  # a Secret type at its slug: not available there
    hosts = services.host_meeting_types(team_meeting_type) if team_meeting_type else []
    if not hosts:
        return None
    team_meeting_type.hosts_label = _hosts_label(team_meeting_type)
    return team_meeting_type, hosts


def _time_step(request: HttpRequest, team: Team, team_meeting_type: TeamMeetingType, hosts, **kwargs) -> TimeStep:
    # The personal page's flow (scheduling.booking_step) over the hosts' pooled slots; the first
    # host's copy gives the picker the horizon and the kind.
    return TimeStep(request, meeting_type=hosts[0], default_tz=team.timezone, wording=BOOK_WORDING,
                    form_class=BookingDetailsForm,
                    form_kwargs={"requires_mobile": team_meeting_type.client_phone_required,
                                 "texts_reminders": team_meeting_type.sms_reminders_enabled},
                    slot_loader=team_slot_loader(team_meeting_type, hosts), **kwargs)


def _cached_pick_stage(request: HttpRequest, team_slug: str, find, path: BookingPath, *, fragment: bool):
    """The month fragment (`fragment`) or the pick stage's body of a team booking page, or None
    when it cannot be booked (the view then says why). Kept as the personal page's pick stage is
    (scheduling.public_views._cached_pick_stage): by the address and what the visitor chose, at the
    minute, under the team's versions with its people's bookings (cached_team_page, `times`)."""
    now, minute = picker_minute(timezone.now())

    def render_entry(team: Team):
        found = _bookable(team, find, path)
        if found is None:
            return None
        team_meeting_type, hosts = found
        step = _time_step(request, team, team_meeting_type, hosts, now=now)
        if fragment:
            return step.picker_fragment(cached=False)
        return _book_body(None, team, team_meeting_type, step.pick_stage())

    return cached_team_page(
        team_slug=team_slug, name="picker" if fragment else "book", times=True,
        find_team=lambda: _get_team(team_slug), people_of=team_people, render=render_entry,
        extra=request_cache_key(request, request.path, viewer_timezone(request, ""), viewer_clock(request), minute),
    )


def _book_team_flow(request: HttpRequest, team_slug: str, find, path: BookingPath) -> HttpResponse:
    """A team meeting's booking page: the meeting type `find(team)` gives, booked through `path`."""
    # A plain GET (the month fragment, or the page at its pick stage) is served from the cache; the
    # rest (a chosen time to confirm, a POST) reads the database and goes through the booking step.
    if request.method != "POST" and "start" not in request.GET:
        fragment = request.GET.get(FRAGMENT_PARAM) == PICKER_FRAGMENT
        cached = _cached_pick_stage(request, team_slug, find, path, fragment=fragment)
        if cached is not None:
            response = HttpResponse(cached) if fragment else _page(request, "teams/public/book.html", cached)
            return remember_viewer_choices(request, response)
    team = _get_team(team_slug)
    if not team_is_taking_bookings(team):
        return render(request, "teams/public/team_page.html", {"title": team.name, "content": render_to_string(
            "teams/public/_team_page_content.html", {"team": team, "taking_bookings": False})}, status=404)
    found = _bookable(team, find, path)
    if found is None:
        return render(request, "teams/public/unavailable.html", {"team": team}, status=404)
    team_meeting_type, hosts = found
    step = _time_step(request, team, team_meeting_type, hosts)
    step.form_initial = {"client_timezone": step.viewer_tz}

    def commit(data: dict):
        try:
            return services.team_booking_create(
                team_meeting_type=team_meeting_type, start=data["start"], client_name=data["client_name"],
                client_email=data["client_email"], client_phone=data["client_phone"],
                client_timezone=data["client_timezone"] or step.viewer_tz, now=step.now, path=path,
            )
        except services.TeamError as error:  # the plan changed a moment ago: say so like a taken time
            raise BookingError(error.message) from error

    return step.handle(
        commit=commit,
        done=lambda booking: redirect(reverse("bookings:manage", args=[booking.token]) + "?booked=1"),
        page=lambda current: _page(request, "teams/public/book.html", _book_body(request, team, team_meeting_type,
                                                                                  current)),
    )


@throttle_post("public_booking")
def book_team_meeting(request: HttpRequest, team_slug: str, meeting_type_slug: str) -> HttpResponse:
    """/team/<team-slug>/<meeting-type-slug>/: a Public team meeting type."""
    return _book_team_flow(request, team_slug,
                           lambda team: get_public_team_meeting_type(team=team, slug=meeting_type_slug),
                           BookingPath.TEAM_PAGE)


@throttle_post("public_booking")
def book_team_secret(request: HttpRequest, team_slug: str, token: str) -> HttpResponse:
    """/team/<team-slug>/s/<token>/: a Secret team meeting type's own link."""
    return _book_team_flow(request, team_slug,
                           lambda team: get_team_meeting_type_by_secret(team=team, token=token),
                           BookingPath.TEAM_SECRET_LINK)


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
