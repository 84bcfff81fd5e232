"""The people of the tests: owners (coaches) on a plan, made the way signing up makes them."""
import itertools

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
