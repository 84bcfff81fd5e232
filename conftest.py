"""Shared personas: an owner on the Team plan, a second owner who must see nothing of the first,
and logged-in clients for both."""
import pytest

from accounts.plans import Plan
from leadmonk.testing import make_owner


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def owner(db):
    return make_owner(email="owner@example.com", slug="coach", display_name="Casey Coach")


@pytest.fixture
def other_owner(db):
    return make_owner(email="other@example.com", slug="other-coach", display_name="Olive Other")


@pytest.fixture
def free_owner(db):
    return make_owner(email="free@example.com", slug="free-coach", plan=Plan.FREE)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def other_owner_client(client, other_owner):
    client.force_login(other_owner)
    return client


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, SKIP LOCKED); CI runs it with DATABASE_URL set")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
