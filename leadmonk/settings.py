"""Settings for the session-packs product, read from the environment with django-environ.

With nothing set, the app runs on embedded defaults (SQLite, a filesystem Celery broker, email
to the console). `.env.example` lists every variable; the README explains each one.
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
TESTING = env.bool("TESTING", default="pytest" in sys.modules)
# `make bench` serves a trivial page to compare every page against.
BENCH_MODE = env.bool("BENCH_MODE", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    # Production must never fall back to a known key or accept any Host header.
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set the ALLOWED_HOSTS environment variable")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")

if TESTING and not DEBUG and "pytest" not in sys.modules:
    # TESTING turns on the test payment provider, MD5 passwords, in-memory email and eager Celery:
    # a production process with it on would take orders without money and lose every email.
    raise ImproperlyConfigured("TESTING is for the test suite only; it cannot be on when DEBUG is off")

# The public address of the site, used in links inside emails and for payment return URLs.
# `make run` sets it from PORT when it is not set (scripts/run.sh).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not DEBUG and not SITE_URL.startswith("https://"):
    # Links in emails and payment return URLs must not send clients to plain HTTP (or to 127.0.0.1).
    raise ImproperlyConfigured("Set SITE_URL to the site's https:// address (e.g. https://book.example.com)")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where "a new video room for each booking" opens rooms: a Jitsi Meet server (no account or key).
JITSI_BASE_URL = env.str("JITSI_BASE_URL", default="https://meet.jit.si").rstrip("/")
if not JITSI_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("Set JITSI_BASE_URL to the Jitsi server's https:// address (e.g. https://meet.jit.si)")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "accounts",
    "scheduling",
    "teams",
    "packages",
    "promotions",
    "orders",
    "invoices",
    "payments",
    "notifications",
    "calendars",
    "clients",
    "embed",
    "api",
    "webhooks",
    "demo",
    "insights",
    "portal",
    "waitlists",
    "memberships",
    "instalments",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # The header middlewares come before SecurityMiddleware and CommonMiddleware: those raise on a
    # bad Host (the HTTPS redirect, the host check), and the 400 page must carry the headers too.
    "leadmonk.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "leadmonk.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The client pages' language (leadmonk.languages); the dashboard stays in English.
    "leadmonk.middleware.LanguageMiddleware",
    # The framed booking pages' own CSRF cookie (SameSite=None, /embed/ only): before the CSRF check.
    "embed.middleware.EmbedCookiesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it turns a lockout into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leadmonk.urls"
WSGI_APPLICATION = "leadmonk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadmonk.context_processors.site",
                "leadmonk.context_processors.clock",
                "leadmonk.context_processors.language",
                "csp.context_processors.nonce",
                "calendars.context_processors.calendar_banner",
            ],
        },
    },
]

# Django's form renderer with the commonest widgets written in Python (leadmonk/form_renderer.py).
FORM_RENDERER = "leadmonk.form_renderer.FormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL and a busy timeout let the web server, worker and beat share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The hottest reads are prepared once per PostgreSQL connection (leadmonk.prepared), which pays
# only when connections live on (CONN_MAX_AGE). Off behind a pooler that shares server sessions
# between clients (PgBouncer in transaction mode): their prepared statements would go astray.
DATABASE_PREPARED_STATEMENTS = env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=DATABASES["default"].get("CONN_MAX_AGE", 0) != 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# The cache may have a Redis of its own, capped with maxmemory and an eviction policy (README,
# "Running in production"): evicting cached pages then can never drop a Celery message.
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="") or REDIS_URL
# A Redis that stops answering without closing the connection (a failover, a NAT or a firewall that
# drops it) must not hold a request: each call gives up after REDIS_TIMEOUT seconds and the caller
# carries on without it (the cache is an optimisation: pages render from the database, sessions are
# read from it; a message whose publish failed stays pending until the dispatcher's sweep queues it).
# Without a bound, redis-py waited 5 s for each cache call and kombu's publish for ever: a booking
# committed, then its request hung until gunicorn killed the worker. The tests keep redis-py's 5 s
# (a machine loaded by parallel runs must not fail a cache test on a slow answer); the cases about a
# silent Redis set their own (leadmonk/tests/test_settings_from_env.py).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=5.0 if TESTING else 1.0)
if REDIS_CACHE_URL:
    # Django's Redis backend reusing its redis client (leadmonk/cache.py).
    CACHES = {"default": {"BACKEND": "leadmonk.cache.RedisCache", "LOCATION": REDIS_CACHE_URL,
                          "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are written to the database and read through the cache (one query less per dashboard
# page) when the cache is shared by every process: a per-process memory cache would keep a
# logged-out session alive in the other workers. Tests run in one process. The engine falls back to
# the database when the cache is down, so owners stay logged in while Redis is away.
if REDIS_CACHE_URL or TESTING:
    SESSION_ENGINE = "leadmonk.sessions"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out email + IP before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Client pages and client messages speak English, German or Spanish (README, "Languages"); the
# catalogs are in locale/. The dashboard stays in English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (the owners' photos and logos) go through Django's storage API: on disk under
# MEDIA_ROOT by default (served by Django itself only when MEDIA_SERVE, i.e. in development); in
# production an object store through django-storages, named by MEDIA_STORAGE_BACKEND and
# MEDIA_STORAGE_OPTIONS (JSON), with MEDIA_URL its public address (README, "Photos and logos").
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_SERVE = env.bool("MEDIA_SERVE", default=DEBUG)
if TESTING:
    MEDIA_ROOT = tempfile.mkdtemp(prefix="leadmonk-media-")
STORAGES = {
    "default": {
        "BACKEND": env.str("MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: console by default; smtp+tls://user:pass@host:587 and the like in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Leadmonk <no-reply@leadmonk.local>")

# Celery: a filesystem broker needs no server; REDIS_URL switches to Redis.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # kombu waits on a silent broker for ever unless told (REDIS_TIMEOUT above). A worker's BRPOP
    # waits up to a second (kombu's brpop_timeout) for the server's answer: its reads get that more.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"socket_connect_timeout": REDIS_TIMEOUT,
                                             "socket_timeout": REDIS_TIMEOUT + 1}
else:
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A publish is tried twice (Celery's default is four times): with a broker that has stopped answering,
# the request that committed waits at most twice the broker's read timeout (REDIS_TIMEOUT + 1: about
# 4 s), and the dispatcher's sweep sends the message once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# Every periodic schedule lives here, in one place.
CELERY_BEAT_SCHEDULE = {
    "forget-idempotency-keys": {
        "task": "api.tasks.forget_idempotency_keys",
        "schedule": crontab(minute=17),  # hourly: an API write's Idempotency-Key is kept a day
    },
    "purge-sign-in-links": {
        "task": "portal.tasks.purge_sign_in_links",
        "schedule": crontab(minute=7),  # hourly: a client portal link's address is kept a day at most
    },
    "dispatch-due-reminders": {
        "task": "notifications.tasks.dispatch_due_reminders",
        "schedule": crontab(),  # every minute
    },
    "charge-due-instalments": {
        "task": "instalments.tasks.charge_due_instalments",
        "schedule": crontab(minute="*/15"),  # a payment plan's instalment is charged within 15 minutes of its due time
    },
    "expire-waitlist-offers": {
        "task": "waitlists.tasks.expire_offers",
        "schedule": crontab(minute="*/5"),  # an unclaimed seat goes to the next in line within 5 minutes
    },
    "expire-order-credits": {
        "task": "orders.tasks.expire_credits",
        "schedule": crontab(minute="*/15"),
    },
    "nudge-clients-to-book": {
        "task": "orders.tasks.nudge_to_book",
        "schedule": crontab(minute="*/15"),
    },
    "release-expired-holds": {
        "task": "scheduling.tasks.release_expired_holds",
        "schedule": crontab(),  # every minute; the slot engine ignores expired holds meanwhile
    },
    "send-due-gifts": {
        "task": "orders.tasks.send_gifts",
        "schedule": crontab(minute="*/5"),
    },
    "expire-unpaid-orders": {
        "task": "payments.tasks.expire_unpaid_orders",
        "schedule": crontab(minute="*/5"),
    },
    "review-subscriptions": {
        "task": "accounts.tasks.review_subscriptions",
        "schedule": crontab(minute="*/5"),
    },
    "refresh-calendars": {
        "task": "calendars.tasks.refresh_all_calendars",
        "schedule": crontab(minute="*/5"),
    },
    "deliver-calendar-writes": {
        "task": "calendars.tasks.deliver_all_calendar_writes",
        "schedule": crontab(),  # every minute: writes that waited for a server that was down
    },
    "deliver-due-webhooks": {
        "task": "webhooks.tasks.deliver_due_webhooks",
        "schedule": crontab(),  # every minute: retries whose time has come, claims a dead worker left
    },
}

# Clients (Dashboard > Clients). An erased client's rows keep an HMAC of their email made with
# this key, so purchase limits and "once per client" promo codes still hold for them
# (leadmonk/client_email.py). Changing it forgets every earlier erasure for those checks: set it in
# production, so that rotating SECRET_KEY (from which it is derived when unset) does not.
CLIENT_ERASURE_KEY = env.str("CLIENT_ERASURE_KEY", default="") or hashlib.sha256(
    f"client-erasure:{SECRET_KEY}".encode()).hexdigest()

# Calendars (Settings > Calendars). The app passwords of CalDAV accounts are encrypted with this
# Fernet key (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`);
# required when DEBUG is off, derived from SECRET_KEY in development.
if DEBUG:
    import base64
    import hashlib

    CALENDAR_ENCRYPTION_KEY = env.str("CALENDAR_ENCRYPTION_KEY", default="") or base64.urlsafe_b64encode(
        hashlib.sha256(f"calendars:{SECRET_KEY}".encode()).digest()).decode()
else:
    CALENDAR_ENCRYPTION_KEY = env.str("CALENDAR_ENCRYPTION_KEY")
try:
    from cryptography.fernet import Fernet

    Fernet(CALENDAR_ENCRYPTION_KEY)
except ValueError as _error:
    raise ImproperlyConfigured(
        "CALENDAR_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64-encoded bytes)") from _error
# Calendar addresses on this machine or a private network are refused (server-side request
# forgery) unless this is on: development and the tests, whose calendar servers run on 127.0.0.1.
CALENDAR_ALLOW_PRIVATE_ADDRESSES = env.bool("CALENDAR_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
CALENDAR_MAX_BYTES = env.int("CALENDAR_MAX_BYTES", default=5 * 1024 * 1024)
# Busy times are read this many days ahead (and a day back).
CALENDAR_DAYS_AHEAD = env.int("CALENDAR_DAYS_AHEAD", default=365)

# Outgoing webhooks (Settings > Webhooks). In production an endpoint must be https and may not be
# on this machine or a private network (checked where the socket opens, leadmonk.net); development
# and the tests, whose receivers run on 127.0.0.1, allow both.
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=not DEBUG)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
# Seconds a receiver has to answer one delivery.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# The cache key prefix of "does this owner have webhook endpoints" (webhooks.receivers); the tests
# give each test its own.
WEBHOOK_KEY_PREFIX = "webhooks"

# Payments. Without keys, the test provider lets the whole flow run locally (DEBUG only).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
PAYPAL_CLIENT_ID = env.str("PAYPAL_CLIENT_ID", default="")
PAYPAL_CLIENT_SECRET = env.str("PAYPAL_CLIENT_SECRET", default="")
PAYPAL_WEBHOOK_ID = env.str("PAYPAL_WEBHOOK_ID", default="")
PAYPAL_ENVIRONMENT = env.str("PAYPAL_ENVIRONMENT", default="sandbox")
if PAYPAL_ENVIRONMENT not in ("sandbox", "production"):
    raise ImproperlyConfigured("PAYPAL_ENVIRONMENT must be 'sandbox' or 'production'")
TEST_PAYMENTS_ENABLED = env.bool("TEST_PAYMENTS_ENABLED", default=DEBUG)
if TEST_PAYMENTS_ENABLED and not DEBUG and not TESTING:
    # The test provider's "Pay" button activates an order without money: never in production.
    raise ImproperlyConfigured("TEST_PAYMENTS_ENABLED is for development only; it cannot be on when DEBUG is off")
# A multi-owner site sets this so owners sell only through accounts they connected; without it the
# platform keys alone take payments (a single-owner self-hosted install).
PAYMENTS_REQUIRE_CONNECTION = env.bool("PAYMENTS_REQUIRE_CONNECTION", default=False)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# Another Stripe API address (stripe-mock, a local fake in CI); empty means Stripe itself.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="").rstrip("/")
# Orders left unpaid this long are expired by a periodic task.
UNPAID_ORDER_EXPIRY_MINUTES = env.int("UNPAID_ORDER_EXPIRY_MINUTES", default=60 * 24)
# How long the time of a paid single session is held for a client while they pay.
PAID_BOOKING_HOLD_MINUTES = env.int("PAID_BOOKING_HOLD_MINUTES", default=15)
if not 1 <= PAID_BOOKING_HOLD_MINUTES <= 24 * 60:
    raise ImproperlyConfigured("PAID_BOOKING_HOLD_MINUTES must be between 1 and 1440")

# Teams: members (seats) a team may have on each plan that has teams, and how long an emailed
# invitation link stays valid.
TEAM_SEATS = {
    "team": env.int("TEAM_SEATS_TEAM", default=10),
    "enterprise": env.int("TEAM_SEATS_ENTERPRISE", default=50),
}
TEAM_INVITATION_MAX_AGE_DAYS = env.int("TEAM_INVITATION_MAX_AGE_DAYS", default=7)
# Self-serve plans (Stripe Billing): one Stripe Price id per plan and interval; a plan without
# its price id cannot be bought through Stripe.
STRIPE_BILLING_PRICES = {
    ("pro", "month"): env.str("STRIPE_PRICE_PRO_MONTHLY", default=""),
    ("pro", "year"): env.str("STRIPE_PRICE_PRO_YEARLY", default=""),
    ("team", "month"): env.str("STRIPE_PRICE_TEAM_MONTHLY", default=""),
    ("team", "year"): env.str("STRIPE_PRICE_TEAM_YEARLY", default=""),
}
# Prices sold before today's (after a price change), so their subscribers keep their plan:
# "price_old1=team:month,price_old2=pro:year". A subscription on a price in neither list grants nothing.
STRIPE_EARLIER_PRICES: dict[str, tuple[str, str]] = {}
for _entry in env.list("STRIPE_EARLIER_PRICES", default=[]):
    _price, _, _plan_interval = _entry.strip().partition("=")
    _plan, _, _interval = _plan_interval.partition(":")
    if not _price.strip() or (_plan, _interval) not in STRIPE_BILLING_PRICES:
        raise ImproperlyConfigured(f"STRIPE_EARLIER_PRICES: {_entry!r} is not price_id=plan:interval "
                                   "(plan pro or team, interval month or year)")
    STRIPE_EARLIER_PRICES[_price.strip()] = (_plan, _interval)
# The test subscription page and test billing portal (Upgrade without Stripe): development only,
# and only while Stripe Billing is not configured (payments/providers/sandbox/billing.py).
TEST_BILLING_ENABLED = env.bool("TEST_BILLING_ENABLED", default=DEBUG)
if TEST_BILLING_ENABLED and not DEBUG and not TESTING:
    raise ImproperlyConfigured("TEST_BILLING_ENABLED is for development only; it cannot be on when DEBUG is off")
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=14)
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
if BILLING_TRIAL_DAYS < 0 or BILLING_GRACE_DAYS < 0:
    raise ImproperlyConfigured("BILLING_TRIAL_DAYS and BILLING_GRACE_DAYS must be 0 or more")
# Where the Enterprise "contact us" form is sent; empty: every active staff user's email.
SALES_EMAIL = env.str("SALES_EMAIL", default="")

# SMS through Twilio; without an account SID, SMS is logged instead of sent.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Brute force (README, "Security"). Failed logins are counted per email + IP in the database, so
# every gunicorn worker sees the same count; the cool-off doubles with each lockout.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client's IP, for the lockout and the rate limits alike (leadmonk/client_ip.py): the entry
# TRUSTED_PROXY_COUNT places from the right of X-Forwarded-For; with 0, the connection's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "leadmonk.client_ip.client_ip"
# Per-IP limits of the forms that send email to an address typed in: (requests, seconds).
THROTTLES = {
    "password_reset": (5, 60 * 60),
    "signup": (10, 60 * 60),
    "public_order": (10, 60 * 60),
    "public_booking": (20, 60 * 60),
    # The Enterprise contact form mails the site's staff: a script must not flood their inbox.
    "sales_contact": (5, 60 * 60),
    # "Find my bookings" (/my/): sign-in links asked for from one IP, and sent to one address.
    "portal_sign_in": (10, 60 * 60),
    "portal_sign_in_email": (3, 60 * 60),
}

# The REST API (api/, README "The API"): API keys only (no session, so no CSRF), JSON only (the
# docs page is /api/v1/docs/), cursor pages, 120 requests a minute per key (as Cal.com's), and
# every error as application/problem+json (api.problems).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiKeyScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirstCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}
API_RATE_LIMIT = (env.int("API_RATE_LIMIT_PER_MINUTE", default=120), 60)
SPECTACULAR_SETTINGS = {
    "TITLE": "Leadmonk API",
    "DESCRIPTION": "Meeting types, free times, packages, orders, bookings, clients and payments of one owner. "
                   "Authenticate with `Authorization: Bearer <API key>` (Settings › API).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "BookingStatusEnum": "scheduling.models.BookingStatus",
        "PaymentStatusEnum": "payments.models.PaymentStatus",
        "PackageStateEnum": "packages.models.PackageState",
        "MeetingTypeStateEnum": "scheduling.models.MeetingTypeState",
        "BookedByEnum": "scheduling.models.BookedBy",
    },
}

# Content-Security-Policy (django-csp 4): no inline script or style without the per-request nonce
# ({{ request.csp_nonce }}). Enforced in production; report-only in development, so a violation
# shows in the browser console without breaking the page (tests/test_security_headers.py also
# refuses inline script and style in templates).
CSP_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # An object store's MEDIA_URL (https://bucket.example/...) serves the owners' photos.
        "img-src": [SELF, "data:", *([MEDIA_URL.split("/", 3)[0] + "//" + MEDIA_URL.split("/", 3)[2]]
                                     if "://" in MEDIA_URL else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Checkout and onboarding forms redirect to the providers' pages.
        "form-action": [SELF, "https://*.stripe.com", "https://*.paypal.com"],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CSP_POLICY
else:
    CONTENT_SECURITY_POLICY = CSP_POLICY
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint (invoice PDFs) logs every step of every PDF at INFO, and fontTools each font subset.
        "weasyprint": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if TESTING:
    # Every xdist worker has a test database of its own, whose ids start again at 1, but a Redis
    # cache is shared: keys named by an owner's id (content versions, cached fragments) must never
    # meet another worker's or an earlier run's. Subprocesses of a worker inherit both variables.
    CACHES["default"]["KEY_PREFIX"] = "test-{}-{}".format(
        os.environ.get("PYTEST_XDIST_TESTRUNUID", "run"), os.environ.get("PYTEST_XDIST_WORKER", "main"))
    # Every test Client builds the middleware anew, and WhiteNoise then indexed every file of
    # STATIC_ROOT (580 once `make run` or `make bench` had collected them: a third more CPU for the
    # crawler). Looking a file up when it is asked for costs the tests nothing.
    WHITENOISE_AUTOREFRESH = True
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
    TEST_PAYMENTS_ENABLED = True
    TEST_BILLING_ENABLED = True
