"""The personal booking page's body is cached under the owner's content version: every change of
what it shows is visible on the very next view, a hit costs one cache round trip, and the
per-visitor parts (CSRF token, messages) are never taken from the cache."""
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.services import owner_set_plan
from leadmonk.testing import make_meeting_type, make_package
from packages.models import PackageState
from packages.services import package_update_info

PAGE = "/coach/"


def page(client: Client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def coaching(owner):
    return make_meeting_type(owner, name="Coaching call", slug="coaching")


def test_a_meeting_type_change_shows_at_once(client, owner_client, owner, coaching):
    visitor = Client()
    assert "Coaching call" in page(visitor)
    response = owner_client.post(f"/dashboard/meeting-types/{coaching.pk}/state/", {"state": "disabled"})
    assert response.status_code == 302
    assert "Coaching call" not in page(visitor)
    coaching.refresh_from_db()
    coaching.name, coaching.state = "Strategy call", "active"
    coaching.save()
    assert "Strategy call" in page(visitor)
    make_meeting_type(owner, name="Brand new intro", slug="intro")
    assert "Brand new intro" in page(visitor)
    coaching.delete()
    assert "Strategy call" not in page(visitor)


def test_a_package_change_shows_at_once(client, owner, coaching):
    package = make_package(owner, name="Ten calls", items=[(coaching, 10)], price=Decimal("90.00"))
    assert "Ten calls" in page(client)
    package_update_info(package=package, name="Twelve calls", description="More calls", items=[(coaching, 12)])
    html = page(client)
    assert "Twelve calls" in html and "Ten calls" not in html and "12" in html
    package.price = Decimal("120.00")
    package.save()
    assert "120" in page(client)
    package.state = PackageState.DISABLED
    package.save()
    assert "Twelve calls" not in page(client)


def test_the_profile_and_the_plan_show_at_once(client, owner, coaching):
    make_package(owner, name="Ten calls", items=[(coaching, 10)])
    assert "Casey Coach" in page(client) and "Ten calls" in page(client)
    owner.display_name = "Casey Renamed"
    owner.save()
    assert "Casey Renamed" in page(client) and "Casey Coach" not in page(client)
    owner_set_plan(owner=owner, plan="free")
    assert "Ten calls" not in page(client)  # the free plan sells no packages


def test_the_change_is_bumped_again_when_the_transaction_commits(client, owner, coaching,
                                                                 django_capture_on_commit_callbacks):
    page(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        coaching.name = "Renamed"
        coaching.save()
    before = cache.get(f"v:content:{owner.pk}")
    for callback in callbacks:
        callback()
    assert cache.get(f"v:content:{owner.pk}") != before  # what was cached meanwhile is unreachable


@pytest.mark.parametrize("types", [1, 6])
def test_a_hit_is_one_cache_read_and_the_owner_lookup(client, owner, types, django_assert_num_queries):
    for n in range(types):
        make_package(owner, name=f"Pack {n}")
    page(client)  # renders and stores
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set, mock.patch.object(cache, "add") as cache_add, \
         django_assert_num_queries(1):
        html = page(client)  # only the owner by slug (for the 404 and the title)
    # One round trip (the versions and the fragment together), nothing written back.
    assert get_many.call_count == 1 and not cache_set.called and not cache_add.called
    assert "Pack 0" in html


def test_an_unreachable_cache_still_serves_the_page(client, owner, coaching):
    with mock.patch.object(cache, "get_many", side_effect=ConnectionError("redis down")):
        assert "Coaching call" in page(client)
