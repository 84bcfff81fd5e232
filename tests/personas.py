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


def log_in(client, user) -> None:
    """Log `client` in as `user`: the session Client.force_login writes (the user, the backend it
    picks, the password hash), written directly. force_login also sends user_logged_in (the last
    login, django-axes' access log, its clean-up and four log lines, a second session on cycling
    the key): about 5 of its 6 ms, in some 600 tests that do not test logging in (those log in
    through the form). tests/test_personas.py checks the session is force_login's."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = client._get_backend()
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
