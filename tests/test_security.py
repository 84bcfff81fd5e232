"""Production-mode protections: security headers (a strict Content-Security-Policy with a nonce, a
Permissions-Policy), the error pages in the product's style, and a site that keeps working when the
cache (Redis) goes away, with /healthz/ saying so."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import path, reverse

from leadmonk import urls as site_urls

BASE_DIR = Path(__file__).resolve().parents[1]
DEAD_REDIS = {"default": {"BACKEND": "leadmonk.cache.RedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0"}}


def boom(request: HttpRequest):
    raise RuntimeError("a bug")


def inline(request: HttpRequest):
    """A page with inline code, written the way the README's rule asks."""
    page = Template('{% extends "base.html" %}{% block body %}<p>Hi</p>'
                    '<script nonce="{{ request.csp_nonce }}">document.title = "x";</script>{% endblock %}')
    return HttpResponse(page.render(RequestContext(request)))


urlpatterns = [path("boom/", boom), path("inline/", inline), *site_urls.urlpatterns]


@pytest.fixture
def production(settings):
    """The production configuration of the headers and error pages (DEBUG off)."""
    settings.DEBUG = False
    settings.CONTENT_SECURITY_POLICY = settings.CSP_POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = None
    settings.ROOT_URLCONF = __name__
    return settings


# -- Headers ---------------------------------------------------------------------------------

def test_production_settings_enforce_the_policy(tmp_path):
    code = ("import json; from leadmonk import settings as s; print(json.dumps({"
            "'csp': s.CONTENT_SECURITY_POLICY, 'ro': getattr(s, 'CONTENT_SECURITY_POLICY_REPORT_ONLY', None), "
            "'pp': s.PERMISSIONS_POLICY, 'mw': s.MIDDLEWARE}, default=str))")
    environment = {"PATH": "/usr/bin:/bin", "DEBUG": "false", "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "book.example.com",
                   "CALENDAR_ENCRYPTION_KEY": "bGVhZG1vbmstdGVzdHMtY2FsZW5kYXIta2V5LTAwMDE=",
                   "SITE_URL": "https://book.example.com", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                   "REDIS_URL": "", "TESTING": "false"}
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    resolved = json.loads(result.stdout.strip().splitlines()[-1])

    assert resolved["ro"] is None
    directives = resolved["csp"]["DIRECTIVES"]
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    assert "csp.middleware.CSPMiddleware" in resolved["mw"]
    assert "camera=()" in resolved["pp"]


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/no-such-owner/"])
def test_production_responses_carry_a_strict_csp_and_a_permissions_policy(client, db, production, url):
    response = client.get(url, secure=True)

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    # A nonce is added only when the page has inline code that needs it.
    assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9+/=]+')?", directives["script-src"])
    assert "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


def test_an_inline_script_carries_the_nonce_of_its_response(client, db, production):
    response = client.get("/inline/", secure=True)

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert scripts, "the page has an inline script to check"
    assert all(f'nonce="{nonce}"' in attributes for attributes in scripts)


def _assert_security_headers(response):
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.fixture
def production_https(production):
    """What DEBUG=false sets besides the policy: the HTTPS redirect and the header settings."""
    production.SECURE_SSL_REDIRECT = True
    production.SECURE_CONTENT_TYPE_NOSNIFF = True
    production.SECURE_REFERRER_POLICY = "same-origin"
    production.X_FRAME_OPTIONS = "DENY"
    return production


@pytest.mark.parametrize("secure", [True, False], ids=["https", "plain-http"])
def test_the_400_page_for_a_bad_host_carries_the_security_headers(client, db, production_https, secure):
    response = client.get("/accounts/login/", secure=secure, HTTP_HOST="attacker.example")

    assert response.status_code == 400
    _assert_security_headers(response)


def test_the_https_redirect_carries_the_security_headers(client, db, production_https):
    response = client.get("/accounts/login/")

    assert response.status_code == 301 and response["Location"].startswith("https://")
    _assert_security_headers(response)


def test_development_reports_violations_without_blocking(client, db, settings):
    response = client.get("/accounts/login/")

    assert "Content-Security-Policy-Report-Only" in response
    assert "Permissions-Policy" in response


PAGE_TEMPLATES = [
    p for p in (BASE_DIR / "templates").rglob("*.html") if "email" not in p.relative_to(BASE_DIR / "templates").parts
] + [p for p in BASE_DIR.glob("*/templates/**/*.html") if ".venv" not in p.parts and "email" not in p.parts]


@pytest.mark.parametrize("template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_page_templates_have_no_inline_script_or_style_without_the_nonce(template):
    """The rule of the README's security section: the policy refuses inline code without a nonce."""
    html = template.read_text()
    problems = []
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        if "src=" not in tag and "csp_nonce" not in tag:
            problems.append(f"{tag} without nonce=\"{{{{ request.csp_nonce }}}}\"")
    problems += [f"style attribute: {m}" for m in re.findall(r"\sstyle=\"[^\"]*\"", html)]
    problems += [f"inline handler: {m}" for m in re.findall(r"\son[a-z]+=\"[^\"]*\"", html)]
    problems += [f"javascript: URL: {m}" for m in re.findall(r"javascript:[^\"']*", html)]
    assert problems == []


# -- Error pages -----------------------------------------------------------------------------

def test_the_404_page_is_in_the_products_style(client, db, production):
    response = client.get("/no-such-owner/no-such-meeting/", secure=True)

    assert response.status_code == 404
    page = response.content.decode()
    assert "We can’t find that page" in page
    assert "/static/css/app.css" in page or "app." in page
    assert "Traceback" not in page


def test_the_500_page_is_in_the_products_style(db, production):
    browser = Client(raise_request_exception=False)

    response = browser.get("/boom/", secure=True)

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "a bug" not in page and "Traceback" not in page


def test_a_csrf_failure_explains_itself(db, owner, production):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/accounts/login/", {"username": "owner@example.com", "password": "x"}, secure=True)

    assert response.status_code == 403
    page = response.content.decode()
    assert "This form has expired" in page
    assert "CSRF verification failed" not in page


# -- Redis down ------------------------------------------------------------------------------

def test_owners_stay_logged_in_and_work_when_the_cache_dies(owner_client, owner, settings, caplog):
    assert owner_client.get(reverse("dashboard:home")).status_code == 200  # session now in the cache

    settings.CACHES = DEAD_REDIS  # Redis killed between two requests
    page = owner_client.get(reverse("dashboard:home"))
    settings_page = owner_client.get(reverse("accounts:settings"))

    assert page.status_code == 200 and page.wsgi_request.user == owner
    assert settings_page.status_code == 200
    assert "Session cache unavailable" in caplog.text
    assert owner_client.post(reverse("accounts:logout")).status_code == 302
    assert owner_client.get(reverse("dashboard:home")).status_code == 302  # logged out for real


def test_login_works_when_the_cache_is_down(client, owner, settings):
    settings.CACHES = DEAD_REDIS

    response = client.post(reverse("accounts:login"), {"username": "owner@example.com",
                                                        "password": "pass-for-tests-123"})

    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_public_booking_forms_still_work_when_the_cache_is_down(client, owner, settings, caplog):
    settings.CACHES = DEAD_REDIS

    response = client.post(reverse("accounts:password_reset"), {"email": "owner@example.com"})

    assert response.status_code == 302
    assert "Rate limit password_reset skipped" in caplog.text


def test_healthz_reports_each_dependency_and_503_when_the_cache_is_down(client, db, settings):
    settings.CACHES = DEAD_REDIS

    response = client.get("/healthz/")

    assert response.status_code == 503
    report = response.json()
    assert report["ok"] is False
    assert report["database"] == {"ok": True}
    assert report["cache"]["ok"] is False
    assert report["broker"]["ok"] is True


def test_healthz_reports_the_broker_down(client, db, settings, monkeypatch):
    from leadmonk import views

    def broker_down():
        raise ConnectionRefusedError("broker unreachable")

    monkeypatch.setitem(views.HEALTH_CHECKS, "broker", broker_down)

    response = client.get("/healthz/")

    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False, "error": "ConnectionRefusedError"}
    assert response.json()["cache"] == {"ok": True}
