"""The health check and the production error pages (the landing page at / is accounts.views.home)."""
import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# How long /healthz/ waits for the broker: a load balancer's probe must not hang.
BROKER_TIMEOUT_SECONDS = 2


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    token = uuid.uuid4().hex
    cache.set("healthz", token, 10)
    if cache.get("healthz") != token:
        raise RuntimeError("the cache did not keep a value")


def _check_broker() -> None:
    from leadmonk.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)


HEALTH_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Each dependency on its own line, 503 when any is down, so a load balancer (or a person) can
    tell which one. With Redis down owners can still work (sessions fall back to the database),
    but emails queue up and rate limits are off: that is worth an alarm."""
    report = {}
    for name, check in HEALTH_CHECKS.items():
        try:
            check()
        except Exception as error:
            logger.warning("healthz: %s is down: %s", name, error)
            report[name] = {"ok": False, "error": type(error).__name__}
        else:
            report[name] = {"ok": True}
    healthy = all(part["ok"] for part in report.values())
    return JsonResponse({"ok": healthy, **report}, status=200 if healthy else 503)


def bench_trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick: the public base template through the same middleware, no queries."""
    return render(request, "bench_trivial.html")



def switch_language(request: HttpRequest, code: str) -> HttpResponse:
    """/language/<code>/?next=<page>: the client pages' language switcher (a plain link, no
    JavaScript): remember the language in its cookie and go back to the page. A `next` that leaves
    this site goes to / instead; an unknown language changes nothing."""
    from django.conf import settings
    from django.http import HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    from leadmonk.languages import supported

    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()) or not target.startswith("/"):
        target = "/"
    response = HttpResponseRedirect(target)
    language = supported(code)
    if language and language == code:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                            samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=request.is_secure(), httponly=True)
    return response
