"""Reading ahead (content_version.reading_ahead): a page that read two entries, the second named by
the first, reads both in one round trip the next time at the same address, and never answers a
key from what it read ahead unless that key was read in this request."""
from unittest import mock

import pytest
from django.core.cache import cache

from leadmonk import content_version
from leadmonk.content_version import get_many, reading_ahead


@pytest.fixture(autouse=True)
def fresh():
    content_version.keys_read_ahead_forget()
    cache.set_many({"ra:item": "item", "ra:picker": "picker"})
    yield
    cache.delete_many(["ra:item", "ra:picker", "ra:other"])


def page(second: str = "ra:picker") -> tuple[dict, dict]:
    with reading_ahead("/the/page/"):
        return get_many(["ra:item"]), get_many([second])


def test_the_second_read_joins_the_first_once_the_address_was_served():
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as calls:
        assert page() == ({"ra:item": "item"}, {"ra:picker": "picker"})
    assert calls.call_count == 2
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as calls:
        assert page() == ({"ra:item": "item"}, {"ra:picker": "picker"})
    assert calls.call_count == 1


def test_a_value_changed_since_the_last_request_is_read_as_it_is_now():
    page()
    cache.set("ra:picker", "new picker")
    cache.delete("ra:item")
    assert page() == ({}, {"ra:picker": "new picker"})


def test_a_key_not_read_ahead_is_read_in_its_own_round_trip():
    page()
    cache.set("ra:other", "other")
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as calls:
        assert page(second="ra:other") == ({"ra:item": "item"}, {"ra:other": "other"})
    assert calls.call_count == 2


def test_outside_a_scope_nothing_is_read_ahead_or_kept():
    page()
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as calls:
        assert get_many(["ra:item"]) == {"ra:item": "item"}
    calls.assert_called_once_with(["ra:item"])
