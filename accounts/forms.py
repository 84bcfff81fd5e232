"""Account forms: they validate and convert; the writes happen in accounts.services."""
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import User, validate_booking_slug
from leadmonk.timezones import is_valid_timezone, timezone_choices
from leadmonk.widgets import FastSelect


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        # Emails are stored lowercased; accept Owner@Example.com as typed.
        return self.cleaned_data["username"].strip().lower()


class SignupForm(forms.Form):
    display_name = forms.CharField(
        label="Your name", max_length=120, error_messages={"required": "Enter your name, as clients will see it."}
    )
    email = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter your email address; you log in with it."},
    )
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password."},
    )
    # Filled by the browser's detected zone; the owner can change it in Settings.
    timezone = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-detect-timezone": "1"}))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists. Log in instead.")
        return email

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone") or "UTC"
        return value if is_valid_timezone(value) else "UTC"

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email", ""), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class SettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices, widget=FastSelect)

    class Meta:
        model = User
        fields = ["display_name", "slug", "timezone", "notify_owner_by_email"]
        labels = {
            "display_name": "Display name",
            "slug": "Booking link",
            "notify_owner_by_email": "Email me when a client orders, books, reschedules or cancels",
        }
        help_texts = {"slug": "The last part of your booking page address. Letters, numbers and hyphens."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = True

    def clean_display_name(self) -> str:
        value = self.cleaned_data["display_name"].strip()
        if not value:
            raise forms.ValidationError("Please enter the name clients will see.")
        return value

    def clean_slug(self) -> str:
        value = (self.cleaned_data.get("slug") or "").strip().lower()
        validate_booking_slug(value)
        if User.objects.filter(slug=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"The booking link “{value}” is taken. Please choose another.")
        return value
