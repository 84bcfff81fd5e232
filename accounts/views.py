"""Sign-up and the owner's settings page. Log in/out and password reset are Django's own views."""
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import SettingsForm, SignupForm
from accounts.services import owner_signup


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = owner_signup(**form.cleaned_data)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready. Check your booking link and time zone below.")
        return redirect("accounts:settings")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("accounts:settings")
        messages.error(request, "Please correct the errors below. Nothing was saved.")
        # A failed ModelForm validation mutates the instance; reload so the page shows saved values.
        request.user.refresh_from_db()
    return render(request, "accounts/settings.html", {"form": form})

