"""Sign-up, confirming the email address and the owner's settings page. Log in/out and password
reset are Django's own views (with the lockout of django-axes and a queued reset email)."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.http import require_POST

from accounts.forms import ConfirmWithPasswordForm, QueuedPasswordResetForm, SettingsForm, SignupForm
from accounts.lockout import lockout_clear
from accounts.models import User
from accounts.plans import plan_cards
from accounts.services import (
    brand_files_discard,
    calendar_feed_regenerate,
    owner_signup_request,
    owner_verification_resend,
    owner_verify_email,
)
from accounts.tokens import email_verification_token
from leadmonk.throttle import throttle_post

# The browser that sent the sign-up form keeps the address it signed up (signed, for as long as
# the emailed link works): the link opened there confirms at once. Opened anywhere else, by
# someone not logged in as the owner, it also asks for the password chosen at sign-up, so that
# a person who signed up with an address that is not theirs cannot have its owner confirm the
# account they hold the password of (a pre-account takeover).
SIGNUP_BROWSER_COOKIE = "lm_signed_up"
_SIGNUP_BROWSER_SALT = "accounts.views.signup-browser"


def _signed_up_in_this_browser(request: HttpRequest, user: User) -> bool:
    email = request.get_signed_cookie(SIGNUP_BROWSER_COOKIE, default=None, salt=_SIGNUP_BROWSER_SALT,
                                      max_age=settings.PASSWORD_RESET_TIMEOUT)
    return email is not None and email == user.email.lower()


def home(request: HttpRequest) -> HttpResponse:
    """/: an owner who is logged in goes to their dashboard; anyone else sees what the product is
    (server-rendered, no query, nothing from another site)."""
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "landing.html", {"cards": plan_cards()})


@throttle_post("signup")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The same answer whether the address is new or taken: "check your email".
        owner_signup_request(**form.cleaned_data)
        response = redirect("accounts:signup_sent")
        # Set for a taken address too: the answer gives nothing away.
        response.set_signed_cookie(
            SIGNUP_BROWSER_COOKIE, form.cleaned_data["email"].strip().lower(), salt=_SIGNUP_BROWSER_SALT,
            max_age=settings.PASSWORD_RESET_TIMEOUT, httponly=True, samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE)
        return response
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The emailed link: confirms the address, logs the owner in and opens the dashboard's home,
    where the first-hour checklist is. Opened in a browser that did not sign up and is not logged
    in as the owner, it first asks for the account's password (SIGNUP_BROWSER_COOKIE); a wrong
    one counts towards the log-in lockout."""
    try:
        user = User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=True).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is None or not email_verification_token.check_token(user, token):
        if user is not None and user.email_verified:
            messages.info(request, "Your email address is already confirmed.")
            return redirect("dashboard:home" if request.user == user else "accounts:login")
        return render(request, "accounts/verify_invalid.html", status=400)
    if request.user != user and not _signed_up_in_this_browser(request, user):
        form = ConfirmWithPasswordForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            return render(request, "accounts/verify_password.html", {"form": form, "email": user.email})
        # Through the log-in backends: django-axes refuses a locked-out address and counts a failure.
        if authenticate(request, username=user.email, password=form.cleaned_data["password"]) != user:
            form.add_error("password", "That is not the password this account was created with.")
            return render(request, "accounts/verify_password.html", {"form": form, "email": user.email})
    owner_verify_email(owner=user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Welcome! Your email is confirmed and your booking page is live. "
                              "The checklist below takes you through the rest.")
    return redirect("dashboard:home")


@login_required
@require_POST
@throttle_post("signup")
def verify_resend(request: HttpRequest) -> HttpResponse:
    if request.user.email_verified:  # confirmed meanwhile (in another tab, or by a password reset)
        messages.info(request, "Your email address is already confirmed.")
    else:
        owner_verification_resend(owner=request.user)
        messages.success(request, f"We sent a new confirmation link to {request.user.email}.")
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(next_url)
    return redirect("accounts:settings")


@method_decorator(throttle_post("password_reset"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        # The reset link reached this inbox: the address is confirmed too, and its lockout is over.
        response = super().form_valid(form)
        owner_verify_email(owner=form.user)
        lockout_clear(email=form.user.email)
        return response


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    # Read before validation: a valid form puts the new files on the same instance.
    replaced = [request.user.photo.name, request.user.logo.name]
    form = SettingsForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            brand_files_discard(names=replaced, owner=request.user)
            messages.success(request, "Settings saved.")
            return redirect("accounts:settings")
        messages.error(request, "Please correct the errors below. Nothing was saved.")
        # A failed ModelForm validation mutates the instance; reload so the page shows saved values.
        request.user.refresh_from_db()
    feed_path = reverse("calendar_feed:feed", args=[request.user.calendar_feed_token])
    return render(request, "accounts/settings.html", {"form": form, "feed_url": f"{settings.SITE_URL}{feed_path}"})


@login_required
@require_POST
def calendar_feed_new(request: HttpRequest) -> HttpResponse:
    calendar_feed_regenerate(owner=request.user)
    messages.success(request, "Your calendar feed has a new address. The old one no longer works: "
                              "subscribe again with the new one.")
    return redirect(reverse("accounts:settings") + "#calendar-feed")

