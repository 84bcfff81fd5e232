"""The landing redirect and a health check."""
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard:home" if request.user.is_authenticated else "accounts:login")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def bench_trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick: the public base template through the same middleware, no queries."""
    return render(request, "bench_trivial.html")
