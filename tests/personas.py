"""The people of the tests: owners (coaches) on a plan, made the way signing up makes them, and
their logged-in browsers."""
import itertools
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from accounts.models import User
from accounts.plans import Plan

_counter = itertools.count(1)


def make_owner(*, email: str | None = None, slug: str | None = None, plan: str = Plan.TEAM,
               timezone: str = "America/New_York", display_name: str | None = None,
               password: str = "pass-for-tests-123") -> User:
    n = next(_counter)
    return User.objects.create_user(
        email=email or f"owner{n}@example.com",
        password=password,
        display_name=display_name or f"Owner {n}",
        slug=slug or f"owner-{n}",
        timezone=timezone,
        plan=plan,
        email_verified=True,
    )


def logged_in_session_key(user, *, backend: str) -> str:
    """Save the session a log-in as `user` through `backend` writes (the user, the backend, the
    password hash) and return its key: what force_login and the log-in form write, without the
    user_logged_in signal (the last login, django-axes' access log, its clean-up and log lines, a
    second session on cycling the key), which only the tests of logging in need (those log in
    through the form). The test Clients (log_in), the crawlers (tests.world.logged_in_client) and
    the browser journeys (tests.e2e.helpers.log_in_as) all log in through it."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def log_in(client, user) -> None:
    """Log `client` in as `user` with the session Client.force_login writes (the backend it picks),
    about 1 ms where force_login's 6 went mostly to user_logged_in, in some 600 tests that do not
    test logging in. tests/test_personas.py checks the session is force_login's."""
    client.cookies[settings.SESSION_COOKIE_NAME] = logged_in_session_key(user, backend=client._get_backend())
