"""Forms of the team pages. They validate and convert; the services re-check what must hold."""
from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

from accounts.models import User
from leadmonk.timezones import is_valid_timezone
from leadmonk.widgets import TimezoneField
from scheduling.forms import MeetingTypeSettingsForm
from scheduling.models import Visibility
from teams.models import Membership, Role, TeamMeetingKind, TeamMeetingType
from teams.rules import team_slug_problem


def _text(label: str, max_length: int, required_message: str, **kw) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, error_messages={"required": required_message}, **kw)


class TeamForm(forms.Form):
    name = _text("Team name", 120, "Enter the team's name, as clients will see it.")
    slug = _text("Team link", 60, "Choose the team's link.",
                 help_text="Your team page is /team/<em>link</em>/: lowercase letters, numbers and hyphens.")
    timezone = TimezoneField(label="Time zone")

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the team's name, as clients will see it.")
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        if self.team is not None and slug == self.team.slug:
            return slug
        problem = team_slug_problem(slug, exclude_team_id=self.team.pk if self.team else None)
        if problem:
            raise forms.ValidationError(problem)
        return slug


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254,
                             error_messages={"required": "Enter the email address to invite.",
                                             "invalid": "Enter a valid email address, like name@example.com."})
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER,
                             help_text="Admins edit the team and its meeting types; members host meetings.")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class _MemberChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # A value beyond bigint would overflow the database query: it is simply not a member.
        for pk in value:
            if not (str(pk).isascii() and str(pk).isdigit()) or not 0 < int(pk) < 2**63:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": pk})
        return super()._check_values(value)


class TeamMeetingTypeForm(MeetingTypeSettingsForm):
    """A team meeting type: the settings of a personal one (the same fields, checks and messages,
    from MeetingTypeSettingsForm), plus how its hosts share the bookings and who they are."""

    kind = forms.ChoiceField(
        label="Kind", choices=TeamMeetingKind.choices, widget=forms.RadioSelect, initial=TeamMeetingKind.ROUND_ROBIN,
        error_messages={"invalid_choice": "Choose round robin or collective."},
        help_text="Round robin: each booking goes to one free member, taking turns. "
                  "Collective: times when every chosen member is free; all of them attend.")
    members = _MemberChoiceField(
        label="Hosts", queryset=Membership.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one member to host this meeting.",
                        "invalid_choice": "Choose members of this team.",
                        "invalid_pk_value": "Choose members of this team."})

    def __init__(self, *args, team, instance: TeamMeetingType | None = None, **kwargs):
        super().__init__(*args, link_prefix=f"/team/{team.slug}/", instance=instance, **kwargs)
        # Packages never include team types: Public or Secret only.
        visibility = self.fields["visibility"]
        visibility.choices = [(value, label) for value, label in Visibility.choices if value != Visibility.PACKAGE_ONLY]
        visibility.help_text = ("Public: listed on the team page. Secret: not listed; booked through its own "
                                "link, which you can regenerate.")
        self.fields["members"].queryset = team.memberships.select_related("user").order_by("joined_at", "id")
        self.fields["members"].label_from_instance = lambda m: m.user.display_name or m.user.email

    @classmethod
    def initial_for(cls, instance: TeamMeetingType) -> dict:
        initial = super().initial_for(instance)
        initial["kind"] = instance.kind
        initial["members"] = [host.membership_id for host in instance.hosts.all()]
        return initial

    def service_fields(self) -> dict:
        """The cleaned values, named as teams.services.team_meeting_type_save takes them (the hosts
        go apart, as `memberships`); a blank link is made from the name there."""
        return {**self.settings_service_fields(), "kind": self.cleaned_data["kind"]}


class JoinSignupForm(forms.Form):
    """An invitee without an account: their name and a password (the email is the invitation's)."""

    display_name = _text("Your name", 120, "Enter your name, as clients will see it.")
    password = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               error_messages={"required": "Choose a password."})
    timezone = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-detect-timezone": "1"}))

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Enter your name, as clients will see it.")
        return name

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone") or "UTC"
        return value if is_valid_timezone(value) else "UTC"

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            try:
                password_validation.validate_password(
                    password, User(email=self.email, display_name=cleaned.get("display_name", "")))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned
