"""`content_version.bumps_batched()`: the versions a service's writes bump are written in one cache
call as its block ends (a caller's transaction, a test's, reads them after it), or only on commit
when the block owns the transaction; a rolled-back one writes nothing. The booking services use it:
a booking that owns its transaction writes the cache once."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction

from leadmonk import content_version
from leadmonk.content_version import bumps_batched
from scheduling.services import booking_create
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours
from tests.cache_writes import record_cache_writes


@pytest.fixture
def writes(monkeypatch) -> list:
    """Each cache write: ("set", key) or ("set_many", keys) (the memory cache's set_many calls set:
    not counted again). The versions of owner 7 start unset, no bump waits for a commit."""
    cache.delete_many(keys(7))
    # Keys an earlier test's rolled-back transaction left to the next commit (content_version._bump_on_commit).
    transaction.get_connection().__dict__.get("_leadmonk_commit_bumps", set()).clear()
    return record_cache_writes(monkeypatch)


def keys(owner_id: int) -> list[str]:
    return sorted([f"v:bookings:{owner_id}", f"v:orders:{owner_id}",
                   content_version.client_version_key("cleo@example.com")])


def bump_three(owner_id: int) -> None:
    content_version.bookings_changed(owner_id=owner_id)
    content_version.orders_changed(owner_id=owner_id)
    content_version.client_changed(email="cleo@example.com")


@pytest.mark.django_db
def test_inside_a_transaction_the_bumps_are_written_together_as_the_block_ends(writes):
    before = cache.get_many(keys(7))
    with bumps_batched():
        bump_three(7)
        assert writes == [] and cache.get_many(keys(7)) == before  # held back

    assert writes == [("set_many", keys(7))]
    after = cache.get_many(keys(7))
    assert after.keys() == set(keys(7)) and all(after[key] != before.get(key) for key in after)


@pytest.mark.django_db
def test_a_batch_inside_another_leaves_its_bumps_to_the_outer_one(writes):
    with bumps_batched():
        with bumps_batched():
            content_version.bookings_changed(owner_id=7)
        assert writes == []
        content_version.orders_changed(owner_id=7)

    assert writes == [("set_many", ["v:bookings:7", "v:orders:7"])]


@pytest.mark.django_db
def test_without_a_batch_each_bump_is_written_at_once(writes):
    bump_three(7)
    assert writes == [("set", "v:bookings:7"), ("set", "v:orders:7"),
                      ("set", content_version.client_version_key("cleo@example.com"))]


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_owns_its_transaction_writes_the_bumps_once_on_commit(writes):
    with bumps_batched(), transaction.atomic():
        bump_three(7)
        assert writes == []

    assert writes == [("set_many", keys(7))]
    assert cache.get_many(keys(7)).keys() == set(keys(7))


@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_own_transaction_rolls_back_writes_nothing(writes):
    with pytest.raises(RuntimeError), bumps_batched(), transaction.atomic():
        bump_three(7)
        raise RuntimeError("refused")

    assert writes == [] and cache.get_many(keys(7)) == {}


@pytest.mark.django_db(transaction=True)
def test_a_booking_that_owns_its_transaction_writes_the_cache_once(owner, writes):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    intro = make_meeting_type(owner, slug="intro")
    writes.clear()

    booking_create(meeting_type=intro, start=NINE_AM + timedelta(days=1), client_name="Cleo",
                   client_email="cleo@example.com", now=NOW)

    assert [write for write in writes if write[0] == "set_many" or write[1].startswith("v:")] == [
        ("set_many", keys(owner.pk))]
