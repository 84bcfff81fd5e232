"""Forms of the team pages. They validate and convert; the services re-check what must hold."""
from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

from accounts.models import User
from leadmonk.timezones import is_valid_timezone
from leadmonk.widgets import TimezoneField
from scheduling.forms import ReminderFieldsMixin, _bounded_minutes
from scheduling.models import MAX_MEETING_MINUTES, LocationKind
from teams.models import Membership, Role, TeamMeetingKind
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
            if not str(pk).isdigit() or not 0 < int(pk) < 2**63:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": pk})
        return super()._check_values(value)


class TeamMeetingTypeForm(ReminderFieldsMixin, forms.Form):
    """A team meeting type: its hosts, what each host's copy of it takes, and its reminders (the
    personal form's, from ReminderFieldsMixin)."""

    name = _text("Name", 200, "Enter a name for this meeting type.")
    slug = forms.SlugField(label="Link", max_length=80,
                           error_messages={"required": "Choose a link for this meeting type.",
                                           "invalid": "Use lowercase letters, numbers and hyphens."})
    kind = forms.ChoiceField(
        label="Kind", choices=TeamMeetingKind.choices, widget=forms.RadioSelect, initial=TeamMeetingKind.ROUND_ROBIN,
        help_text="Round robin: each booking goes to one free member, taking turns. "
                  "Collective: times when every chosen member is free; all of them attend.")
    members = _MemberChoiceField(
        label="Hosts", queryset=Membership.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one member to host this meeting.",
                        "invalid_choice": "Choose members of this team.",
                        "invalid_pk_value": "Choose members of this team."})
    description = forms.CharField(label="Description", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    duration_minutes = _bounded_minutes("Duration", 5, MAX_MEETING_MINUTES, initial=30)
    location_kind = forms.ChoiceField(label="Location", choices=LocationKind.choices, initial=LocationKind.VIDEO)
    location_details = forms.CharField(label="Location details", required=False, max_length=500)
    buffer_before_minutes = _bounded_minutes("Buffer before", 0, 240, initial=0,
                                             help_text="Free time kept in the host's calendar before each meeting.")
    buffer_after_minutes = _bounded_minutes("Buffer after", 0, 240, initial=0,
                                            help_text="Free time kept in the host's calendar after each meeting.")
    min_notice_minutes = _bounded_minutes("Minimum notice", 0, 60 * 24 * 30, initial=240,
                                          help_text="How long before a meeting clients can still book, reschedule "
                                                    "or cancel (240 is 4 hours).")
    horizon_days = _bounded_minutes("Booking window", 1, 365, unit="days", initial=60,
                                    help_text="How far ahead clients can book.")
    slot_step_minutes = _bounded_minutes("Start times every", 5, 240, initial=30)
    requires_mobile = forms.BooleanField(
        label="Ask clients for a mobile number (required)", required=False,
        help_text="Without one, SMS reminders reach only the clients who give a number.")

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = team.memberships.select_related("user").order_by("joined_at", "id")
        self.fields["members"].label_from_instance = lambda m: m.user.display_name or m.user.email

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter a name for this meeting type.")
        return name

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()

    def clean_location_details(self) -> str:
        value = self.cleaned_data["location_details"]
        if "\x00" in value:
            raise forms.ValidationError("Remove the invisible control characters.")
        return value.strip()

    def setting_fields(self) -> list[forms.BoundField]:
        """The visible fields but the reminders, which the page shows in a section of their own."""
        return [field for field in self.visible_fields() if field.name not in self.REMINDER_FIELDS]

    def service_fields(self) -> dict:
        fields = {name: value for name, value in self.cleaned_data.items()
                  if name != "members" and name not in self.REMINDER_FIELDS}
        fields.update(self.reminder_service_fields())
        return fields


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
