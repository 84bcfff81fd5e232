"""Dashboard pages of teams (/dashboard/teams/): the user's teams, one team's members,
invitations and meeting types. Every lookup goes through the user's own membership, so a
non-member gets a 404 for anything of the team."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from scheduling.models import MeetingTypeState
from teams import services
from teams.forms import InviteForm, RoleForm, TeamForm, TeamMeetingTypeForm
from teams.models import Invitation, InvitationStatus, Membership, TeamMeetingType
from teams.rules import seats_for_plan
from teams.selectors import (
    get_membership,
    get_team_meeting_type,
    memberships_for_user,
    pending_invitations,
    team_is_taking_bookings,
    team_meeting_types,
    team_members,
)


def _get_membership(request: HttpRequest, pk: int) -> Membership:
    membership = get_membership(user=request.user, team_id=pk)
    if membership is None:
        raise Http404("No such team.")
    return membership


def _get_team_meeting_type(membership: Membership, pk: int) -> TeamMeetingType:
    team_meeting_type = get_team_meeting_type(team=membership.team, pk=pk)
    if team_meeting_type is None:
        raise Http404("No such meeting type.")
    return team_meeting_type


def _team_url(membership: Membership) -> str:
    return reverse("teams:detail", args=[membership.team_id])


def _refuse_non_admin(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    """Members see no admin forms; a hand-made POST gets the reason on the team page."""
    if membership.is_admin:
        return None
    messages.error(request, services.NotAnAdmin.message)
    return redirect(_team_url(membership))


def _add_error(form, error: services.TeamError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    can_create = seats_for_plan(request.user.plan) > 0
    form = TeamForm(initial={"timezone": request.user.timezone})
    if request.method == "POST":
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = services.team_create(owner=request.user, name=form.cleaned_data["name"],
                                            slug=form.cleaned_data["slug"],
                                            timezone_name=form.cleaned_data["timezone"])
            except services.TeamError as error:
                _add_error(form, error)
            else:
                messages.success(request, f"Team “{team.name}” created. Invite your members next.")
                return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/list.html", {
        "memberships": memberships_for_user(user=request.user), "form": form, "can_create": can_create,
    })


def _detail_context(membership: Membership, **extra) -> dict:
    team = membership.team
    members = team_members(team=team)
    invitations = pending_invitations(team=team)
    return {
        "membership": membership, "team": team, "members": members, "invitations": invitations,
        "meeting_types": team_meeting_types(team=team), "seats": seats_for_plan(team.owner.plan),
        "seats_used": len(members) + sum(not invitation.expired for invitation in invitations),
        "taking_bookings": team_is_taking_bookings(team),
        "invite_form": extra.pop("invite_form", InviteForm()),
        "team_form": extra.pop("team_form", TeamForm(team=team, initial={
            "name": team.name, "slug": team.slug, "timezone": team.timezone})),
        "role_form": RoleForm(), **extra,
    }


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    return render(request, "teams/detail.html", _detail_context(membership))


@login_required
@require_POST
def team_settings(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    if refused := _refuse_non_admin(request, membership):
        return refused
    form = TeamForm(request.POST, team=membership.team)
    if form.is_valid():
        try:
            services.team_update(team=membership.team, by=request.user, name=form.cleaned_data["name"],
                                 slug=form.cleaned_data["slug"], timezone_name=form.cleaned_data["timezone"])
        except services.TeamError as error:
            _add_error(form, error)
        else:
            messages.success(request, "Team saved.")
            return redirect(_team_url(membership))
    membership.team.refresh_from_db()
    return render(request, "teams/detail.html", _detail_context(membership, team_form=form), status=400)


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    if refused := _refuse_non_admin(request, membership):
        return refused
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(team=membership.team, by=request.user,
                                                    email=form.cleaned_data["email"], role=form.cleaned_data["role"])
        except services.TeamError as error:
            _add_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect(_team_url(membership))
    return render(request, "teams/detail.html", _detail_context(membership, invite_form=form), status=400)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    invitation = Invitation.objects.filter(team=membership.team, pk=invitation_pk,
                                           status=InvitationStatus.PENDING).first()
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except services.TeamError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect(_team_url(membership))


def _get_member(membership: Membership, member_pk: int) -> Membership:
    member = Membership.objects.filter(team=membership.team, pk=member_pk).select_related("user", "team").first()
    if member is None:
        raise Http404("No such member.")
    return member


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    member = _get_member(membership, member_pk)
    try:
        services.membership_remove(membership=member, by=request.user)
    except services.TeamError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{member.user.display_name or member.user.email} was removed from the team. "
                                  "Their existing bookings stay.")
    return redirect(_team_url(membership))


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    member = _get_member(membership, member_pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Admin or Member.")
        return redirect(_team_url(membership))
    try:
        services.membership_set_role(membership=member, by=request.user, role=form.cleaned_data["role"])
    except services.TeamError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Role changed.")
    return redirect(_team_url(membership))


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    try:
        services.membership_leave(membership=membership)
    except services.TeamError as error:
        messages.error(request, error.message)
        return redirect(_team_url(membership))
    messages.success(request, f"You left “{membership.team.name}”. Your existing bookings stay.")
    return redirect("teams:list")


def _meeting_type_form_page(request, membership, form, team_meeting_type=None):
    # A refused save answers 200 with the errors next to the fields, as the personal form does.
    return render(request, "teams/meeting_type_form.html", {
        "membership": membership, "team": membership.team, "form": form, "team_meeting_type": team_meeting_type,
    })


def _save_meeting_type(request, membership, team_meeting_type=None) -> HttpResponse:
    if refused := _refuse_non_admin(request, membership):
        return refused
    form = TeamMeetingTypeForm(request.POST or None, team=membership.team, instance=team_meeting_type)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.team_meeting_type_save(team=membership.team, by=request.user, fields=form.service_fields(),
                                                memberships=list(form.cleaned_data["members"]),
                                                team_meeting_type=team_meeting_type)
            except services.TeamError as error:
                _add_error(form, error)
            else:
                messages.success(request, "Meeting type saved.")
                return redirect(_team_url(membership))
        # As the personal form says it: the errors may sit far down a long form (the reminders).
        messages.error(request, "Please correct the errors below. Nothing was saved.")
    return _meeting_type_form_page(request, membership, form, team_meeting_type)


@login_required
def meeting_type_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_meeting_type(request, _get_membership(request, pk))


@login_required
def meeting_type_edit(request: HttpRequest, pk: int, mt_pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    return _save_meeting_type(request, membership, _get_team_meeting_type(membership, mt_pk))


@login_required
@require_POST
def meeting_type_state(request: HttpRequest, pk: int, mt_pk: int) -> HttpResponse:
    membership = _get_membership(request, pk)
    team_meeting_type = _get_team_meeting_type(membership, mt_pk)
    state = request.POST.get("state")
    if state not in MeetingTypeState.values:
        messages.error(request, "Choose Active, Disabled or Delete.")
        return redirect(_team_url(membership))
    try:
        services.team_meeting_type_set_state(team_meeting_type=team_meeting_type, by=request.user, state=state)
    except services.TeamError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{team_meeting_type.name}” is now {MeetingTypeState(state).label.lower()}.")
    return redirect(_team_url(membership))


@login_required
@require_POST
def meeting_type_secret_link(request: HttpRequest, pk: int, mt_pk: int) -> HttpResponse:
    """Regenerate a team meeting type's secret link: the old one stops working (admins only)."""
    membership = _get_membership(request, pk)
    team_meeting_type = _get_team_meeting_type(membership, mt_pk)
    try:
        saved = services.team_meeting_type_regenerate_secret_link(team_meeting_type=team_meeting_type,
                                                                  by=request.user)
    except services.TeamError as error:
        messages.error(request, error.message)
    else:
        link = request.build_absolute_uri(reverse("team_public:book_secret",
                                                  args=[membership.team.slug, saved.secret_token]))
        messages.success(request, f"“{saved.name}” has a new secret link; the old one no longer works: {link}")
    return redirect(_team_url(membership))
