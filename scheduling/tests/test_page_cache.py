"""The personal booking page's body is cached under the owner's content version: every change of
what it shows is visible on the very next view, a hit costs one cache round trip, and the
per-visitor parts (CSRF token, messages) are never taken from the cache."""
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.services import owner_set_plan
from leadmonk import content_version
from packages.models import PackageState
from packages.services import package_update_info
from tests import make_meeting_type, make_owner, make_package

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
def test_a_hit_is_one_cache_read_and_no_query(client, owner, types, django_assert_num_queries):
    for n in range(types):
        make_package(owner, name=f"Pack {n}")
    page(client)  # renders and stores
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set, mock.patch.object(cache, "add") as cache_add, \
         django_assert_num_queries(0):
        html = page(client)  # not even the owner by slug: the entry names them and their version
    # One round trip (the owner's version and the page together), nothing written back.
    assert get_many.call_count == 1 and not cache_set.called and not cache_add.called
    assert "Pack 0" in html and "<title>Casey Coach" in html


def test_a_first_view_in_a_process_reads_the_owner_again_after_their_version(client, owner, coaching,
                                                                           django_assert_num_queries):
    # The process knows no owner for the slug and nothing is cached: it finds the owner, reads their
    # version, then reads the owner again (the row read before the version may be outdated).
    with django_assert_num_queries(4):  # owner, owner again, meeting types, packages
        assert "Coaching call" in page(client)
    content_version.owner_hints_forget()  # another process, which finds the entry the first stored
    with mock.patch.object(cache, "set") as cache_set, django_assert_num_queries(0):
        assert "Coaching call" in page(client)
    assert not cache_set.called


def test_a_process_that_found_the_entry_without_a_hint_reads_it_in_one_round_trip_after(client, owner, coaching):
    # A gunicorn worker that never rendered the page: its first hit reads the entry, then the
    # owner's version it names (two round trips); from then on, both together.
    first = page(client)
    content_version.owner_hints_forget()
    with mock.patch.object(cache, "get", wraps=cache.get) as get, \
         mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert page(client) == first
    assert (get.call_count, get_many.call_count) == (1, 1)
    with mock.patch.object(cache, "get", wraps=cache.get) as get, \
         mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert page(client) == first
    assert (get.call_count, get_many.call_count) == (0, 1)


def test_a_rename_of_the_slug_shows_at_once(client, owner, coaching):
    assert "Coaching call" in page(client)
    owner.slug = "new-coach"
    owner.save()
    assert client.get(PAGE).status_code == 404
    assert "Coaching call" in client.get("/new-coach/").content.decode()


@pytest.mark.parametrize("change", [{"is_active": False}, {"email_verified": False}])
def test_a_deactivated_or_unverified_owner_is_gone_at_once(client, owner, coaching, change):
    assert "Coaching call" in page(client)
    for name, value in change.items():
        setattr(owner, name, value)
    owner.save(update_fields=list(change))
    assert client.get(PAGE).status_code == 404


def test_a_deleted_owner_is_gone_at_once_and_the_next_owner_of_the_slug_gets_their_own_page(client, owner, coaching):
    assert "Casey Coach" in page(client)
    owner.delete()
    assert client.get(PAGE).status_code == 404
    successor = make_owner(email="next@example.com", slug="coach", display_name="Nora Next")
    make_meeting_type(successor, name="Intro with Nora", slug="intro")
    html = page(client)  # this process still takes the slug for the first owner's: it reads the database
    assert "Nora Next" in html and "Intro with Nora" in html and "Casey Coach" not in html
    assert "Intro with Nora" in page(client)


def test_a_slug_handed_over_without_a_delete_shows_the_new_owner(client, owner, coaching):
    assert "Casey Coach" in page(client)
    owner.slug = "casey-old"
    owner.save()
    other = make_owner(email="next@example.com", slug="coach-next", display_name="Nora Next")
    other.slug = "coach"
    other.save()
    html = page(client)
    assert "Nora Next" in html and "Casey Coach" not in html
    assert "Casey Coach" in client.get("/casey-old/").content.decode()


def test_a_change_committed_while_the_page_renders_is_not_served_after(client, owner, coaching):
    page(client)
    coaching.name = "Renamed meanwhile"
    coaching.save()

    from scheduling import public_views
    real = public_views.owner_page_meeting_types

    def read_then_someone_writes(*, owner):
        rows = real(owner=owner)  # the old name... then a write lands and bumps the version
        content_version.content_changed(owner_id=owner.pk)
        return [*rows]

    with mock.patch.object(public_views, "owner_page_meeting_types", side_effect=read_then_someone_writes):
        page(client)
    # What was rendered under the version read before the write is not what the next view gets.
    with mock.patch.object(public_views, "owner_page_meeting_types", wraps=real) as rendered:
        assert "Renamed meanwhile" in page(client)
    assert rendered.called


def test_an_unreachable_cache_still_serves_the_page(client, owner, coaching):
    down = ConnectionError("redis down")
    with mock.patch.object(cache, "get_many", side_effect=down), mock.patch.object(cache, "get", side_effect=down), \
         mock.patch.object(cache, "add", side_effect=down), mock.patch.object(cache, "set", side_effect=down):
        assert "Coaching call" in page(client)  # a process that knows nothing yet
        assert "Coaching call" in page(client)  # one that knows the owner of the slug
        owner.display_name = "Casey Offline"
        owner.save()  # the bump cannot reach the cache either
        assert "Casey Offline" in page(client)
    assert "Casey Offline" in page(client)


@pytest.mark.parametrize("path", ["/" + "x" * 500 + "/", "/a%20b%00c/", "/" + "x" * 300 + "/coaching/?fragment=picker",
                                  "/coach/" + "p" * 300 + "/", "/coach/packages/" + "p" * 300 + "/"])
def test_an_address_of_any_length_or_character_makes_a_cache_key_every_cache_takes(client, owner, coaching, path):
    """Cache keys hold a slug only when it is plain and short, else its digest: a key over 250
    characters or with a control character is refused by memcached (Django warns)."""
    import warnings

    from django.core.cache.backends.base import CacheKeyWarning

    client.raise_request_exception = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CacheKeyWarning)
        response = client.get(path)

    assert response.status_code == 404
    assert [str(warning.message) for warning in caught if warning.category is CacheKeyWarning] == []
