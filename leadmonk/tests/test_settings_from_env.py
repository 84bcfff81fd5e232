"""Settings come from the environment. leadmonk/settings.py reads it once, at import, so each case
evaluates the file afresh (`_evaluate`: runpy, a few milliseconds) with the environment a new
process would have and without pytest in sys.modules, as a fresh interpreter would import it (the
settings take TESTING's default from whether pytest is loaded). `manage.py check --deploy` needs
Django set up on the production settings, so those two cases still start an interpreter of their own."""
import os
import re
import runpy
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import kombu.exceptions
import pytest
import redis.exceptions
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils.module_loading import import_string

from scheduling.models import Booking
from scheduling.selectors import format_slot_start
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours
from tests.silent_server import SilentServer

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "leadmonk" / "settings.py"
PRODUCTION_SECRET_KEY = "k" * 20 + "-production-secret-key-for-tests-" + "x" * 20
PRODUCTION_SITE_URL = "https://book.example.com"
PRODUCTION_CALENDAR_KEY = "bGVhZG1vbmstdGVzdHMtY2FsZW5kYXIta2V5LTAwMDE="  # a Fernet key


def _resolved(s: dict) -> dict:
    """What the cases look at, from the evaluated settings' names."""
    db = s["DATABASES"]["default"]
    return {
        "DEBUG": s["DEBUG"],
        "SECRET_KEY": s["SECRET_KEY"],
        "ALLOWED_HOSTS": s["ALLOWED_HOSTS"],
        "SITE_URL": s["SITE_URL"],
        "db_engine": db["ENGINE"], "db_name": str(db["NAME"]), "db_host": db.get("HOST"), "db_port": db.get("PORT"),
        "db_user": db.get("USER"), "db_password": db.get("PASSWORD"), "db_conn_max_age": db.get("CONN_MAX_AGE"),
        "cache_backend": s["CACHES"]["default"]["BACKEND"], "cache_location": s["CACHES"]["default"].get("LOCATION"),
        "cache_key_prefix": s["CACHES"]["default"].get("KEY_PREFIX", ""),
        "broker": s["CELERY_BROKER_URL"],
        "email_backend": s["EMAIL_BACKEND"], "email_host": s.get("EMAIL_HOST"),
        "email_port": s.get("EMAIL_PORT"), "email_user": s.get("EMAIL_HOST_USER"),
        "email_password": s.get("EMAIL_HOST_PASSWORD"), "email_use_tls": s.get("EMAIL_USE_TLS"),
        "session_cookie_secure": s.get("SESSION_COOKIE_SECURE", False),
        "csrf_cookie_secure": s.get("CSRF_COOKIE_SECURE", False),
        "hsts_seconds": s.get("SECURE_HSTS_SECONDS", 0),
        "ssl_redirect": s.get("SECURE_SSL_REDIRECT", False),
        "testing": s["TESTING"],
    }


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


def _evaluate(read_env_file: Path | None = None, **variables: str) -> dict:
    """The names leadmonk/settings.py defines when a new process imports it with `variables` (and
    `read_env_file` read first, as `.env` would be). The environment is put back afterwards, and
    pytest back into sys.modules."""
    pytest_module = sys.modules.pop("pytest")
    try:
        with mock.patch.dict(os.environ, _clean_environment(**variables), clear=True):
            if read_env_file:
                import environ
                environ.Env.read_env(read_env_file)
            return runpy.run_path(str(SETTINGS_FILE), run_name="leadmonk_settings_under_test")
    finally:
        sys.modules["pytest"] = pytest_module


def _settings_with(**variables: str) -> dict:
    return _resolved(_evaluate(**variables))


def _refused(message: str, error: type[Exception] = ImproperlyConfigured, **variables: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        _evaluate(**variables)


def test_pytest_is_not_loaded_while_the_settings_are_evaluated():
    """The premise of _evaluate: a process that is not the test suite sees no pytest module."""
    seen = {}
    with mock.patch.object(runpy, "run_path", lambda *args, **kwargs: seen.update(loaded="pytest" in sys.modules)):
        _evaluate()
    assert seen == {"loaded": False} and "pytest" in sys.modules
    assert _settings_with()["testing"] is False
    assert _settings_with(TESTING="true")["testing"] is True


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
    _refused("SECRET_KEY", DEBUG="false", ALLOWED_HOSTS="book.example.com")


def test_production_with_a_short_secret_key_fails_loudly():
    _refused("SECRET_KEY must be at least 50 characters", DEBUG="false", SECRET_KEY="too-short",
             ALLOWED_HOSTS="book.example.com")


def test_production_refuses_the_test_payment_provider():
    _refused("TEST_PAYMENTS_ENABLED is for development only", DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY,
             SITE_URL=PRODUCTION_SITE_URL, ALLOWED_HOSTS="book.example.com", TEST_PAYMENTS_ENABLED="true",
             TESTING="false")


def test_production_refuses_the_test_billing_pages():
    _refused("TEST_BILLING_ENABLED is for development only", DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY,
             SITE_URL=PRODUCTION_SITE_URL, ALLOWED_HOSTS="book.example.com", TEST_BILLING_ENABLED="true",
             TESTING="false")


def test_earlier_stripe_prices_map_each_price_to_its_plan():
    prices = _evaluate(STRIPE_EARLIER_PRICES="price_1Old=team:month, price_2Old=pro:year")["STRIPE_EARLIER_PRICES"]

    assert prices == {"price_1Old": ("team", "month"), "price_2Old": ("pro", "year")}


@pytest.mark.parametrize("value", ["price_1Old", "price_1Old=team", "price_1Old=enterprise:month", "=team:month",
                                   "price_1Old=team:week"])
def test_a_malformed_earlier_stripe_price_fails_loudly(value):
    with pytest.raises(ImproperlyConfigured, match=r"STRIPE_EARLIER_PRICES: .* is not price_id=plan:interval"):
        _evaluate(STRIPE_EARLIER_PRICES=value)


def test_production_without_allowed_hosts_fails_loudly():
    _refused("ALLOWED_HOSTS", DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY)


def test_an_unrecognised_debug_value_means_production_mode():
    # django-environ reads anything but a known "true" word as False: the safe side, never DEBUG by accident.
    resolved = _settings_with(DEBUG="maybe", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="book.example.com",
                              SITE_URL=PRODUCTION_SITE_URL)

    assert resolved["DEBUG"] is False
    assert resolved["session_cookie_secure"] is True


def test_a_bad_number_fails_loudly():
    _refused("sixty", ValueError, DATABASE_URL="postgres://u@db.internal/x", CONN_MAX_AGE="sixty")


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


def test_prepared_statements_follow_persistent_connections_unless_turned_off():
    """leadmonk.prepared pays only on a connection that lives on; PgBouncer in transaction mode needs it off."""
    postgres = "postgres://leadmonk@db.internal:5432/leadmonk"
    assert _evaluate(DATABASE_URL=postgres)["DATABASE_PREPARED_STATEMENTS"] is True
    assert _evaluate(DATABASE_URL=postgres, CONN_MAX_AGE="0")["DATABASE_PREPARED_STATEMENTS"] is False
    assert _evaluate(DATABASE_URL=postgres, DATABASE_PREPARED_STATEMENTS="false")["DATABASE_PREPARED_STATEMENTS"] \
        is False


def test_env_example_lists_every_variable_the_settings_read():
    source = (BASE_DIR / "leadmonk" / "settings.py").read_text()
    read_by_settings = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))

    assert read_by_settings, "the pattern finds the env.<type>(\"NAME\") calls"
    assert read_by_settings - _env_example_variables() == set()


def test_env_example_copied_to_dot_env_runs_on_the_embedded_defaults(tmp_path):
    # `cp .env.example .env` must give a working development setup, not an empty SECRET_KEY or DATABASE_URL.
    resolved = _resolved(_evaluate(read_env_file=BASE_DIR / ".env.example"))

    assert resolved["DEBUG"] is True
    assert resolved["SECRET_KEY"]
    assert resolved["db_engine"] == "django.db.backends.sqlite3"
    assert resolved["broker"] == "filesystem://"
    assert "testserver" in resolved["ALLOWED_HOSTS"]


def test_production_refuses_testing_mode():
    _refused("TESTING is for the test suite only", DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY,
             SITE_URL=PRODUCTION_SITE_URL, ALLOWED_HOSTS="book.example.com", TESTING="true")


@pytest.mark.parametrize("site_url", ["", "http://book.example.com", "http://127.0.0.1:8000"])
def test_production_requires_an_https_site_url(site_url):
    variables = {"DEBUG": "false", "SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "book.example.com"}
    if site_url:
        variables["SITE_URL"] = site_url
    _refused("Set SITE_URL to the site's https:// address", **variables)


@pytest.mark.parametrize(("key", "message"), [
    (None, "Set the CALENDAR_ENCRYPTION_KEY environment variable"),
    ("not-a-fernet-key", "CALENDAR_ENCRYPTION_KEY must be a Fernet key"),
])
def test_production_requires_a_calendar_encryption_key(key, message):
    _refused(message, DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY, SITE_URL=PRODUCTION_SITE_URL,
             ALLOWED_HOSTS="book.example.com", CALENDAR_ENCRYPTION_KEY=key)


def test_development_derives_a_calendar_encryption_key_from_the_secret_key():
    first = _evaluate(DEBUG="true", SECRET_KEY="a" * 60, CALENDAR_ENCRYPTION_KEY=None)["CALENDAR_ENCRYPTION_KEY"]
    second = _evaluate(DEBUG="true", SECRET_KEY="b" * 60, CALENDAR_ENCRYPTION_KEY=None)["CALENDAR_ENCRYPTION_KEY"]

    assert first and first != second


# --- A Redis that has stopped answering ----------------------------------------------------------
# tests/silent_server.py: connections succeed, no answer ever comes (a failover, a NAT or a firewall
# that dropped the connection without closing it). REDIS_TIMEOUT bounds every wait on it.


@pytest.fixture
def silent_redis():
    server = SilentServer()
    yield server
    server.close()


def _run_with_a_limit(call, limit: float) -> dict:
    """Run `call` in a thread, waiting for it at most `limit` seconds: {"seconds", "error"} once it has
    returned or raised, {} while it still waits (the thread is left to the server's close)."""
    outcome: dict = {}

    def run():
        began = time.perf_counter()
        try:
            call()
            outcome["error"] = None
        except Exception as error:  # noqa: BLE001 - what it raised is the result
            outcome["error"] = error
        outcome["seconds"] = time.perf_counter() - began

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    return dict(outcome) if "seconds" in outcome else {}


def test_production_bounds_every_call_to_redis_by_default():
    production = _evaluate(REDIS_URL="redis://queue.internal:6379/0")

    assert production["CACHES"]["default"]["OPTIONS"] == {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    assert production["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"socket_connect_timeout": 1.0, "socket_timeout": 2.0}
    assert production["CELERY_TASK_PUBLISH_RETRY_POLICY"]["max_retries"] == 1


def test_a_cache_call_to_a_redis_that_stopped_answering_gives_up_after_redis_timeout(silent_redis):
    cache_settings = _evaluate(REDIS_URL=silent_redis.url, REDIS_TIMEOUT="0.2")["CACHES"]["default"]
    cache = import_string(cache_settings["BACKEND"])(cache_settings["LOCATION"], cache_settings)

    outcome = _run_with_a_limit(lambda: cache.get("v:content:1"), limit=30)

    assert outcome, "the cache call was still waiting after 30 s"
    assert isinstance(outcome["error"], redis.exceptions.TimeoutError)
    assert len(silent_redis.connections) == 1
    # redis-py's own default is 5 s a call, and a page makes several.
    assert outcome["seconds"] < 2.5


def test_a_publish_to_a_broker_that_stopped_answering_gives_up_after_two_tries(silent_redis, monkeypatch):
    from kombu import Connection

    from leadmonk.celery import app
    from notifications.tasks import deliver_message

    production = _evaluate(REDIS_URL=silent_redis.url, REDIS_TIMEOUT="0.2")
    monkeypatch.setitem(app.conf, "task_always_eager", False)  # the tests' own setting: publish for real

    def publish():
        with Connection(production["CELERY_BROKER_URL"],
                        transport_options=production["CELERY_BROKER_TRANSPORT_OPTIONS"]) as connection:
            deliver_message.apply_async((1,), connection=connection,
                                        retry_policy=production["CELERY_TASK_PUBLISH_RETRY_POLICY"])

    outcome = _run_with_a_limit(publish, limit=30)

    # kombu's default waited for ever: the booking that had committed never got its answer page.
    assert outcome, "the publish was still waiting after 30 s"
    assert isinstance(outcome["error"], (kombu.exceptions.OperationalError, redis.exceptions.TimeoutError))
    assert len(silent_redis.connections) == 2  # tried twice, each on a connection of its own


@pytest.mark.django_db
def test_the_owner_and_a_visitor_are_served_and_a_time_is_booked_while_the_cache_has_stopped_answering(
        silent_redis, settings, owner, owner_client, django_capture_on_commit_callbacks):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    make_meeting_type(owner, name="Coaching call", slug="coaching")
    settings.CACHES = _evaluate(REDIS_URL=silent_redis.url, REDIS_TIMEOUT="0.2")["CACHES"]
    visitor = Client()

    dashboard = owner_client.get("/dashboard/")
    public_page = visitor.get(f"/{owner.slug}/")
    with time_machine.travel(NOW, tick=False):  # the tests' clock, whose free times the builders know
        with django_capture_on_commit_callbacks(execute=True):
            booked = visitor.post(f"/{owner.slug}/coaching/", {
                "client_name": "Dana Client", "client_email": "dana@example.com", "client_phone": "",
                "client_timezone": "UTC", "start": format_slot_start(NINE_AM)})

    assert silent_redis.connections, "the pages asked the silent cache"
    assert dashboard.status_code == 200 and "Casey Coach" in dashboard.content.decode()  # still logged in
    assert public_page.status_code == 200 and "Coaching call" in public_page.content.decode()
    assert booked.status_code == 302, booked.content.decode()[:2000]
    assert Booking.objects.get().start == NINE_AM  # its page's cached times were not told: the next view reads afresh
    assert [sent.to for sent in mail.outbox if sent.to == ["dana@example.com"]] == [["dana@example.com"]]
