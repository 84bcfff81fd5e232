"""Account forms: they validate and convert; the writes happen in accounts.services."""
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.files.uploadedfile import UploadedFile

from accounts.brand import LOGO_SIZE, PHOTO_SIZE, clean_brand_color, clean_image
from accounts.models import User, validate_booking_slug
from leadmonk.timezones import is_valid_timezone
from leadmonk.widgets import TimezoneField


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        # Emails are stored lowercased; accept Owner@Example.com as typed.
        return self.cleaned_data["username"].strip().lower()


class ConfirmWithPasswordForm(forms.Form):
    """The confirmation link opened in another browser: the password chosen at sign-up."""
    password = forms.CharField(
        label="Password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Enter the password you chose when you signed up."},
    )


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

    def clean_display_name(self) -> str:
        # One line: the name heads emails (a team invitation's subject), where a line break is refused.
        return " ".join(self.cleaned_data["display_name"].split())

    def clean_email(self) -> str:
        # A taken address is not refused here: that would tell anyone who has an account
        # (accounts.services.owner_signup_request emails its owner instead).
        return self.cleaned_data["email"].strip().lower()

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
    timezone = TimezoneField(label="Time zone")
    # FileField, not ImageField: accounts.brand.clean_image opens the file itself, so that a bomb,
    # an SVG or a huge file each get their own reason rather than "not an image".
    photo = forms.FileField(
        label="Photo", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text="Shown on your booking pages. PNG, JPEG, GIF or WebP, up to 5 MB; "
                  "resized to 400 x 400 and stripped of its metadata (location, camera).",
    )
    logo = forms.FileField(
        label="Logo for emails", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text="Heads the emails your clients get. PNG, JPEG, GIF or WebP, up to 5 MB.",
    )
    brand_color = forms.CharField(
        label="Brand colour", required=False,
        widget=forms.TextInput(attrs={"placeholder": "#4f46e5", "size": 9, "autocomplete": "off"}),
        help_text="The colour of buttons and links on your clients' pages, as #RRGGBB. "
                  "White text on it must be readable (contrast 4.5:1).",
    )

    class Meta:
        model = User
        fields = ["display_name", "slug", "timezone", "page_language", "notify_owner_by_email",
                  "business_name", "bio", "photo", "logo", "brand_color"]
        labels = {
            "display_name": "Display name",
            "slug": "Booking link",
            "page_language": "Booking page language",
            "notify_owner_by_email": "Email me when a client orders, books, reschedules or cancels",
            "business_name": "Business name",
            "bio": "Short bio",
        }
        help_texts = {
            "slug": "The last part of your booking page address. Letters, numbers and hyphens.",
            "business_name": "Heads your emails instead of your display name (optional).",
            "page_language": "What your booking, order and client pages and your clients' emails speak. "
                             "“The visitor's language” follows each visitor's browser and shows a "
                             "language switcher; your dashboard stays in English.",
            "bio": "A few lines about you for your booking page; plain text, up to 600 characters.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def _clean_upload(self, field: str, **options):
        value = self.cleaned_data.get(field)
        if isinstance(value, UploadedFile):
            return clean_image(value, **options)
        return value  # the file kept, or False: "Clear" was ticked

    def clean_photo(self):
        return self._clean_upload("photo", max_size=(PHOTO_SIZE, PHOTO_SIZE), name="photo")

    def clean_logo(self):
        return self._clean_upload("logo", max_size=LOGO_SIZE, name="logo")

    def clean_brand_color(self) -> str:
        return clean_brand_color(self.cleaned_data.get("brand_color", ""))

    def clean_bio(self) -> str:
        return self.cleaned_data.get("bio", "").strip()

    def clean_business_name(self) -> str:
        return self.cleaned_data.get("business_name", "").strip()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = True
        # A form posted without it (an older page, a script) keeps the language chosen before.
        self.fields["page_language"].required = False

    def clean_page_language(self) -> str:
        return self.cleaned_data.get("page_language") or self.instance.page_language

    def clean_display_name(self) -> str:
        # One line: the name heads emails (a team invitation's subject), where a line break is refused.
        value = " ".join(self.cleaned_data["display_name"].split())
        if not value:
            raise forms.ValidationError("Please enter the name clients will see.")
        return value

    def clean_slug(self) -> str:
        value = (self.cleaned_data.get("slug") or "").strip().lower()
        validate_booking_slug(value)
        if User.objects.filter(slug=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"The booking link “{value}” is taken. Please choose another.")
        return value


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, except that save() only queues the email (accounts.tasks): the answer
    takes as long for an unknown address as for a real account."""

    def save(self, **kwargs) -> None:
        from accounts.services import password_reset_request

        password_reset_request(email=self.cleaned_data["email"])
