"""Settings come from the environment. Each case imports leadmonk.settings in a fresh interpreter,
because the module reads the environment once, at import."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_SECRET_KEY = "k" * 20 + "-production-secret-key-for-tests-" + "x" * 20
PRODUCTION_SITE_URL = "https://book.example.com"
PRODUCTION_CALENDAR_KEY = "bGVhZG1vbmstdGVzdHMtY2FsZW5kYXIta2V5LTAwMDE="  # a Fernet key

PRINT_SETTINGS = """
import json
from leadmonk import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "SITE_URL": s.SITE_URL,
    "db_engine": db["ENGINE"], "db_name": str(db["NAME"]), "db_host": db.get("HOST"), "db_port": db.get("PORT"),
    "db_user": db.get("USER"), "db_password": db.get("PASSWORD"), "db_conn_max_age": db.get("CONN_MAX_AGE"),
    "cache_backend": s.CACHES["default"]["BACKEND"], "cache_location": s.CACHES["default"].get("LOCATION"),
    "cache_key_prefix": s.CACHES["default"].get("KEY_PREFIX", ""),
    "broker": s.CELERY_BROKER_URL,
    "email_backend": s.EMAIL_BACKEND, "email_host": getattr(s, "EMAIL_HOST", None),
    "email_port": getattr(s, "EMAIL_PORT", None), "email_user": getattr(s, "EMAIL_HOST_USER", None),
    "email_password": getattr(s, "EMAIL_HOST_PASSWORD", None), "email_use_tls": getattr(s, "EMAIL_USE_TLS", None),
    "session_cookie_secure": getattr(s, "SESSION_COOKIE_SECURE", False),
    "csrf_cookie_secure": getattr(s, "CSRF_COOKIE_SECURE", False),
    "hsts_seconds": getattr(s, "SECURE_HSTS_SECONDS", 0),
    "ssl_redirect": getattr(s, "SECURE_SSL_REDIRECT", False),
    "testing": s.TESTING,
}))
"""


def _env_example_variables() -> set[str]:
    """Every name in .env.example, set ("NAME=value") or documented as unset ("# NAME=")."""
    example = (BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))


def _clean_environment(**variables: str) -> dict[str, str]:
    """The current environment minus every setting the app reads, plus `variables`."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the whole session by the browser tests' conftest; a real
    # deployment never has it (check --deploy reports it as async.E001).
    app_variables = _env_example_variables() | {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in app_variables}
    # Production requires it; the cases that are not about it take a valid one (None: left unset).
    environment["CALENDAR_ENCRYPTION_KEY"] = PRODUCTION_CALENDAR_KEY
    environment.update(variables)
    return {key: value for key, value in environment.items() if value is not None}


def _run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=_clean_environment(**variables),
        capture_output=True, text=True, timeout=60,
    )


def _settings_with(**variables: str) -> dict:
    return _settings_with_code(PRINT_SETTINGS, **variables)


def _settings_with_code(code: str, **variables: str) -> dict:
    result = _run_python(code, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_are_read_from_the_environment():
    resolved = _settings_with(
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="book.example.com,www.example.com",
        SITE_URL="https://book.example.com/",
        DATABASE_URL="postgres://leadmonk:s3cret@db.internal:5433/leadmonk_prod",
        REDIS_URL="redis://cache.internal:6380/2",
        EMAIL_URL="smtp+tls://mailer:mail-pass@smtp.example.com:587",
    )

    assert resolved["DEBUG"] is False
    assert resolved["testing"] is False
    assert resolved["SECRET_KEY"] == PRODUCTION_SECRET_KEY
    assert resolved["ALLOWED_HOSTS"] == ["book.example.com", "www.example.com"]
    assert resolved["SITE_URL"] == "https://book.example.com"
    assert resolved["db_engine"] == "django.db.backends.postgresql"
    assert (resolved["db_name"], resolved["db_host"], resolved["db_port"]) == ("leadmonk_prod", "db.internal", 5433)
    assert (resolved["db_user"], resolved["db_password"]) == ("leadmonk", "s3cret")
    assert resolved["db_conn_max_age"] == 60
    assert resolved["cache_backend"] == "leadmonk.cache.RedisCache"
    assert resolved["cache_location"] == "redis://cache.internal:6380/2"
    assert resolved["broker"] == "redis://cache.internal:6380/2"
    assert resolved["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (resolved["email_host"], resolved["email_port"]) == ("smtp.example.com", 587)
    assert (resolved["email_user"], resolved["email_password"]) == ("mailer", "mail-pass")
    assert resolved["email_use_tls"] is True
    assert resolved["session_cookie_secure"] is True
    assert resolved["csrf_cookie_secure"] is True
    assert resolved["ssl_redirect"] is True
    assert resolved["hsts_seconds"] >= 60 * 60 * 24 * 365


@pytest.mark.skipif((BASE_DIR / ".env").exists(), reason="a local .env file overrides the embedded defaults")
def test_embedded_defaults_need_no_server():
    resolved = _settings_with()

    assert resolved["DEBUG"] is True
    assert resolved["db_engine"] == "django.db.backends.sqlite3"
    assert resolved["db_name"] == str(BASE_DIR / "var" / "db.sqlite3")
    assert resolved["broker"] == "filesystem://"
    assert resolved["cache_backend"] == "django.core.cache.backends.locmem.LocMemCache"
    assert resolved["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert resolved["session_cookie_secure"] is False


def test_each_test_worker_keeps_its_cache_keys_apart_on_a_shared_redis():
    """Workers' test databases all count ids from 1; keys named by an owner's id (content versions,
    cached fragments) would otherwise serve one worker's page in another's test."""
    worker = {"TESTING": "true", "DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/0",
              "PYTEST_XDIST_TESTRUNUID": "run1"}
    gw0 = _settings_with(PYTEST_XDIST_WORKER="gw0", **worker)
    gw1 = _settings_with(PYTEST_XDIST_WORKER="gw1", **worker)
    later_run = _settings_with(PYTEST_XDIST_WORKER="gw0", **{**worker, "PYTEST_XDIST_TESTRUNUID": "run2"})
    production = _settings_with(REDIS_URL="redis://127.0.0.1:6379/0")

    assert len({gw0["cache_key_prefix"], gw1["cache_key_prefix"], later_run["cache_key_prefix"]}) == 3
    assert production["cache_key_prefix"] == ""


def test_production_without_a_secret_key_fails_loudly():
    result = _run_python(PRINT_SETTINGS, DEBUG="false", ALLOWED_HOSTS="book.example.com")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_with_a_short_secret_key_fails_loudly():
    result = _run_python(PRINT_SETTINGS, DEBUG="false", SECRET_KEY="too-short", ALLOWED_HOSTS="book.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_production_refuses_the_test_payment_provider():
    result = _run_python(PRINT_SETTINGS, DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY, SITE_URL=PRODUCTION_SITE_URL,
                         ALLOWED_HOSTS="book.example.com", TEST_PAYMENTS_ENABLED="true", TESTING="false")

    assert result.returncode != 0
    assert "TEST_PAYMENTS_ENABLED is for development only" in result.stderr


def test_production_refuses_the_test_billing_pages():
    result = _run_python(PRINT_SETTINGS, DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY, SITE_URL=PRODUCTION_SITE_URL,
                         ALLOWED_HOSTS="book.example.com", TEST_BILLING_ENABLED="true", TESTING="false")

    assert result.returncode != 0
    assert "TEST_BILLING_ENABLED is for development only" in result.stderr


PRINT_EARLIER_PRICES = "import json; from leadmonk import settings as s; print(json.dumps(s.STRIPE_EARLIER_PRICES))"


def test_earlier_stripe_prices_map_each_price_to_its_plan():
    prices = _settings_with_code(PRINT_EARLIER_PRICES, STRIPE_EARLIER_PRICES="price_1Old=team:month, price_2Old=pro:year")

    assert prices == {"price_1Old": ["team", "month"], "price_2Old": ["pro", "year"]}


@pytest.mark.parametrize("value", ["price_1Old", "price_1Old=team", "price_1Old=enterprise:month", "=team:month",
                                   "price_1Old=team:week"])
def test_a_malformed_earlier_stripe_price_fails_loudly(value):
    result = _run_python(PRINT_EARLIER_PRICES, STRIPE_EARLIER_PRICES=value)

    assert result.returncode != 0
    assert "STRIPE_EARLIER_PRICES" in result.stderr and "price_id=plan:interval" in result.stderr


def test_production_without_allowed_hosts_fails_loudly():
    result = _run_python(PRINT_SETTINGS, DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_an_unrecognised_debug_value_means_production_mode():
    # django-environ reads anything but a known "true" word as False: the safe side, never DEBUG by accident.
    resolved = _settings_with(DEBUG="maybe", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="book.example.com",
                              SITE_URL=PRODUCTION_SITE_URL)

    assert resolved["DEBUG"] is False
    assert resolved["session_cookie_secure"] is True


def test_a_bad_number_fails_loudly():
    result = _run_python(PRINT_SETTINGS, DATABASE_URL="postgres://u@db.internal/x", CONN_MAX_AGE="sixty")

    assert result.returncode != 0
    assert "ValueError" in result.stderr


def _deploy_check(**variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_clean_environment(DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="book.example.com",
                               SITE_URL=PRODUCTION_SITE_URL, **variables),
        capture_output=True, text=True, timeout=120,
    )


def test_deploy_check_reports_nothing_in_production_mode():
    result = _deploy_check(REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_warns_about_production_without_redis():
    """Each gunicorn worker would keep its own cache and rate limits, and Celery a local folder."""
    result = _deploy_check()

    assert result.returncode != 0
    assert "leadmonk.W001" in result.stderr + result.stdout and "REDIS_URL is not set" in result.stderr + result.stdout


def test_the_cache_can_have_a_redis_of_its_own():
    """A capped Redis that evicts cached pages, apart from the broker's, which must never evict."""
    resolved = _settings_with(REDIS_URL="redis://queue.internal:6379/0", REDIS_CACHE_URL="redis://cache.internal:6379/0")

    assert resolved["broker"] == "redis://queue.internal:6379/0"
    assert resolved["cache_location"] == "redis://cache.internal:6379/0"


def test_env_example_lists_every_variable_the_settings_read():
    source = (BASE_DIR / "leadmonk" / "settings.py").read_text()
    read_by_settings = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))

    assert read_by_settings, "the pattern finds the env.<type>(\"NAME\") calls"
    assert read_by_settings - _env_example_variables() == set()


def test_env_example_copied_to_dot_env_runs_on_the_embedded_defaults(tmp_path):
    # `cp .env.example .env` must give a working development setup, not an empty SECRET_KEY or DATABASE_URL.
    code = (
        "import environ, json, os\n"
        f"environ.Env.read_env({str(BASE_DIR / '.env.example')!r})\n"
        "exec(" + repr(PRINT_SETTINGS) + ")\n"
    )
    resolved = _settings_with_code(code)

    assert resolved["DEBUG"] is True
    assert resolved["SECRET_KEY"]
    assert resolved["db_engine"] == "django.db.backends.sqlite3"
    assert resolved["broker"] == "filesystem://"
    assert "testserver" in resolved["ALLOWED_HOSTS"]


def test_production_refuses_testing_mode():
    result = _run_python(PRINT_SETTINGS, DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY, SITE_URL=PRODUCTION_SITE_URL,
                         ALLOWED_HOSTS="book.example.com", TESTING="true")

    assert result.returncode != 0
    assert "TESTING is for the test suite only" in result.stderr


@pytest.mark.parametrize("site_url", ["", "http://book.example.com", "http://127.0.0.1:8000"])
def test_production_requires_an_https_site_url(site_url):
    variables = {"DEBUG": "false", "SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "book.example.com"}
    if site_url:
        variables["SITE_URL"] = site_url
    result = _run_python(PRINT_SETTINGS, **variables)

    assert result.returncode != 0
    assert "Set SITE_URL to the site's https:// address" in result.stderr


@pytest.mark.parametrize(("key", "message"), [
    (None, "Set the CALENDAR_ENCRYPTION_KEY environment variable"),
    ("not-a-fernet-key", "CALENDAR_ENCRYPTION_KEY must be a Fernet key"),
])
def test_production_requires_a_calendar_encryption_key(key, message):
    result = _run_python(PRINT_SETTINGS, DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY, SITE_URL=PRODUCTION_SITE_URL,
                         ALLOWED_HOSTS="book.example.com", CALENDAR_ENCRYPTION_KEY=key)

    assert result.returncode != 0
    assert message in result.stderr


def test_development_derives_a_calendar_encryption_key_from_the_secret_key():
    code = "from leadmonk import settings as s; print(s.CALENDAR_ENCRYPTION_KEY)"
    first = _run_python(code, DEBUG="true", SECRET_KEY="a" * 60, CALENDAR_ENCRYPTION_KEY=None)
    second = _run_python(code, DEBUG="true", SECRET_KEY="b" * 60, CALENDAR_ENCRYPTION_KEY=None)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.strip() and first.stdout.strip() != second.stdout.strip()
