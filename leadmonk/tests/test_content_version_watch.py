"""Which writes make an owner's cached public pages unreachable: each app names, in its
AppConfig.ready(), the models its pages read (leadmonk.content_version.watch). A save or delete
of one of them bumps that owner's content version (a booking: their bookings version), and
nothing else's."""
from datetime import UTC, date, datetime, time

import pytest
from django.core.cache import cache

from accounts.models import Subscription
from leadmonk import content_version
from leadmonk.content_version import BOOKINGS, CONTENT
from payments.models import PaymentConnection
from scheduling.models import DateOverride, WeeklyInterval
from tests import make_booking, make_meeting_type, make_owner, make_package


def versions(owner, kinds: tuple[str, ...] = (CONTENT, BOOKINGS)) -> dict:
    """The owner's versions of `kinds` as the cache holds them (None: not set yet)."""
    keys = {kind: content_version._version_key(kind, owner.pk) for kind in kinds}
    found = cache.get_many(list(keys.values()))
    return {kind: found.get(key) for kind, key in keys.items()}


def bumped(owner, write, kinds: tuple[str, ...] = (CONTENT, BOOKINGS)) -> set[str]:
    """The kinds of `owner`'s versions that `write()` changed."""
    before = versions(owner, kinds)
    write()
    after = versions(owner, kinds)
    return {kind for kind in before if after[kind] != before[kind]}


@pytest.fixture
def world(db):
    owner, other = make_owner(), make_owner()
    meeting_type = make_meeting_type(owner)
    package = make_package(owner, items=[(meeting_type, 2)])
    return owner, other, meeting_type, package


def test_what_the_public_pages_show_bumps_the_content_version(world):
    owner, other, meeting_type, package = world

    def rename_meeting_type():
        meeting_type.name = "Renamed"
        meeting_type.save()

    def rename_package():
        package.name = "Renamed pack"
        package.save()

    writes = {
        "meeting type": rename_meeting_type,
        "weekly hours": lambda: WeeklyInterval.objects.create(owner=owner, weekday=0, start_time=time(9),
                                                              end_time=time(12)),
        "date override": lambda: DateOverride.objects.create(owner=owner, date=date(2026, 12, 24)),
        "package": rename_package,
        "package item deleted": lambda: package.items.get().delete(),
        "invitee question": lambda: package.questions.create(text="Your goal?"),
        "payment connection": lambda: PaymentConnection.objects.create(owner=owner, provider="stripe"),
        "subscription": lambda: Subscription.objects.create(owner=owner),
        "profile": lambda: (setattr(owner, "display_name", "Dr Owner"), owner.save()),
    }
    for name, write in writes.items():
        assert bumped(owner, write) == {CONTENT}, name
    assert bumped(other, rename_meeting_type) == set()  # another owner's pages stay as they are


def test_a_booking_bumps_the_bookings_version_and_a_login_bumps_nothing(world):
    owner, other, meeting_type, _package = world
    assert bumped(owner, lambda: make_booking(meeting_type, datetime(2026, 12, 7, 14, tzinfo=UTC))) == {BOOKINGS}
    assert bumped(other, lambda: make_booking(meeting_type, datetime(2026, 12, 7, 16, tzinfo=UTC))) == set()
    owner.last_login = datetime(2026, 12, 1, tzinfo=UTC)
    assert bumped(owner, lambda: owner.save(update_fields=["last_login"])) == set()
    assert bumped(owner, lambda: owner.save(update_fields=["last_login", "display_name"])) == {CONTENT}
