"""The cached picker and booking page are keyed by what the visitor chose that the page shows (month,
day, zone, clock, the fragment), never by the rest of the query string: a link with ?utm=<random>
shares one entry instead of adding a page to the cache (Redis, which also carries Celery's queue)."""
import uuid
from datetime import time
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache

from tests import MID_MINUTE, make_meeting_type, set_weekly_hours

URL = "/coach/intro/"
THURSDAY = {"tz": "America/New_York", "date": "2026-12-03"}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(MID_MINUTE, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    return make_meeting_type(owner, name="Intro call", slug="intro")


def get(client, params: dict) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def entries_stored(client, requests: list[dict]) -> tuple[int, list[str]]:
    """How many page entries `requests` stored in the cache, and the pages they got."""
    with mock.patch.object(cache, "set", wraps=cache.set) as cache_set:
        pages = [get(client, params) for params in requests]
    return cache_set.call_count, pages


@pytest.mark.parametrize("fragment", [{}, {"fragment": "picker"}], ids=["page", "fragment"])
def test_junk_query_parameters_share_one_entry(client, meeting_type, fragment):
    first = get(client, {**THURSDAY, **fragment})
    junk = [{**THURSDAY, **fragment, "utm": uuid.uuid4().hex, "fbclid": uuid.uuid4().hex} for _ in range(30)]
    stored, pages = entries_stored(client, junk)
    assert stored == 0
    assert set(pages) == {first}  # and nothing of the junk is on the page


def test_a_malformed_month_or_day_shows_the_default_and_shares_its_entry(client, meeting_type):
    plain = get(client, {"tz": "America/New_York"})
    stored, pages = entries_stored(client, [{"tz": "America/New_York", "month": f"x{n}", "date": f"y{n}"}
                                            for n in range(10)])
    assert stored == 0 and set(pages) == {plain}


@pytest.mark.parametrize("change", [
    {"month": "2027-01"}, {"date": "2026-12-03"}, {"tz": "Europe/Berlin"}, {"clock": "24"},
    {"fragment": "picker"},
], ids=lambda change: next(iter(change)))
def test_what_the_visitor_chose_still_changes_the_page(client, meeting_type, change):
    plain = {"tz": "America/New_York"}
    before = get(client, plain)
    after = get(client, {**plain, **change})  # its own entry (and whatever versions it puts in place)
    stored, (again,) = entries_stored(client, [{**plain, **change}])
    assert stored == 0  # then a hit
    assert after != before and again == after


def test_a_zone_that_names_none_is_echoed_by_its_own_entry(client, meeting_type):
    first = get(client, {**THURSDAY, "tz": "Nowhere/Atlantis"})
    second = get(client, {**THURSDAY, "tz": "Nowhere/Lemuria"})
    assert 'value="Nowhere/Atlantis"' in first and "We don&#x27;t know that time zone" in first
    assert 'value="Nowhere/Lemuria"' in second and "Atlantis" not in second
