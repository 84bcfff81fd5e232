"""The login lockout policy django-axes applies (settings.AXES_*): a few failures for one email
from one IP lock that pair out, for a cool-off that doubles with every lockout of the past day.

Counts live in the database (axes' AccessAttempt and AccessFailureLog), so every gunicorn worker
sees the same numbers, and a Redis outage does not turn the lockout off.
"""
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

FIRST_COOL_OFF = timedelta(minutes=15)
LONGEST_COOL_OFF = timedelta(hours=24)
# Lockouts within this window make the next cool-off longer.
HISTORY = timedelta(hours=24)


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The email as the login form normalises it, so "Owner@Example.com " and "owner@example.com"
    count as one account."""
    value = (credentials or {}).get("username") or (request.POST.get("username", "") if request else "")
    # A NUL byte cannot reach a PostgreSQL query (a hostile login form sends one).
    return str(value).replace("\x00", "").strip().lower()[:255]


def lockout_clear(*, email: str) -> None:
    """The owner proved they read their mailbox (a password reset): the log-in lockout of their
    address ends on every network, so the new password works at once, as the page after says."""
    from axes.utils import reset

    reset(username=lockout_username(None, {"username": email}))


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """15 minutes for the first lockout of an email + IP, then 30, 60, … up to a day."""
    if request is None or not hasattr(request, "axes_ip_address"):
        return FIRST_COOL_OFF
    from axes.models import AccessFailureLog

    locked = AccessFailureLog.objects.filter(
        username=lockout_username(request, getattr(request, "axes_credentials", None)),
        ip_address=request.axes_ip_address,
        attempt_time__gte=timezone.now() - HISTORY,
    ).order_by("attempt_time", "pk").values_list("locked_out", flat=True)
    # A lockout starts with the failure that reaches the limit: the first locked row after an unlocked
    # one. Counting failures instead would let those a successful log-in cleared, or the attempts
    # made during a lockout, lengthen it.
    lockouts, previous = 0, False
    for locked_out in locked:
        lockouts += locked_out and not previous
        previous = locked_out
    earlier_lockouts = max(0, lockouts - 1)
    return min(FIRST_COOL_OFF * (2 ** min(earlier_lockouts, 10)), LONGEST_COOL_OFF)


def describe(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(minutes / 60)
    return "1 hour" if hours == 1 else f"{hours} hours"


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The login page again, with the reason and when to retry, as 429 (never a stack trace)."""
    from accounts.forms import EmailAuthenticationForm

    form = EmailAuthenticationForm(request, initial={"username": lockout_username(request, credentials)})
    wait = describe(cool_off(request))
    return render(request, "registration/login.html", {
        "form": form,
        "locked_out": True,
        "lockout_message": (
            f"Too many failed log-in attempts for this email from your network. For your security, "
            f"log-in is paused for {wait}. You can reset your password meanwhile."
        ),
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
    }, status=429)
