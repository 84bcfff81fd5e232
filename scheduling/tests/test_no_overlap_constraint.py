"""No double booking by construction: on PostgreSQL the database refuses two overlapping bookings of
one host that both hold it (1:1) and are not cancelled, whatever code path writes them, and the
booking services turn that refusal into "That time was just taken". The migration that adds the
constraint first lists the overlaps that would stop it. SQLite keeps the code's lock and check."""
import threading
from contextlib import contextmanager
from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from scheduling import services, slots
from scheduling.models import HOST_NO_OVERLAP, BookedBy, Booking, BookingStatus, MeetingType, MeetingTypeKind
from teams.models import TeamMeetingKind
from teams.services import team_booking_create
from tests import (
    NINE_AM,
    NOW,
    WEEKDAYS_9_TO_5,
    make_booking,
    make_meeting_type,
    make_member,
    make_owner,
    make_team,
    make_team_meeting_type,
    race,
    set_weekly_hours,
)
from tests.migrations import migrate, migrate_to_latest

MIGRATION = "0005_booking_holds_host_no_overlap"
migration = import_module(f"scheduling.migrations.{MIGRATION}")

TAKEN = "That time was just taken. Please pick another time."


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def one_on_one(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Intro call", slug="intro")


def book(meeting_type, start, name="Ana", **kw):
    return services.booking_create(meeting_type=meeting_type, start=start, client_name=name,
                                   client_email=f"{name.lower()}@example.com", now=NOW, **kw)


@contextmanager
def refused_by_the_database():
    """The insert or update inside is refused by the constraint (in a savepoint, so the test's
    transaction goes on)."""
    with pytest.raises(IntegrityError, match=HOST_NO_OVERLAP), transaction.atomic():
        yield


def skip_the_code_check(monkeypatch, *, meet_at_the_check: threading.Barrier | None = None):
    """A booking path that forgot the lock and the check: no owner lock, and every time is free.
    With `meet_at_the_check`, each request waits there until all have passed the check."""
    monkeypatch.setattr(services, "owner_lock_clause", lambda owner_alias: "")  # the meeting type read alone

    def every_time_free(*, meeting_type, start, duration=None, **_):
        if meet_at_the_check is not None:
            meet_at_the_check.wait(timeout=10)
        return slots.Slot(start, start + (duration or meeting_type.duration), 1)

    monkeypatch.setattr(services, "bookable_slot", every_time_free)


# --- What a booking records (both databases) ------------------------------------------------------


def test_a_booking_holds_its_host_as_its_kind_says_when_made_and_keeps_it_when_moved(one_on_one, owner):
    group = make_meeting_type(owner, kind=MeetingTypeKind.GROUP, capacity=3)
    private = book(one_on_one, NINE_AM)
    seat = book(group, NINE_AM + timedelta(hours=2))
    assert (private.holds_host, seat.holds_host) == (True, False)

    # The kind is edited later: the booking keeps what it was made as, through a reschedule too.
    MeetingType.objects.filter(pk=one_on_one.pk).update(kind=MeetingTypeKind.GROUP, capacity=3)
    services.booking_reschedule(booking=private, new_start=NINE_AM + timedelta(hours=4), by=BookedBy.OWNER, now=NOW)
    private.refresh_from_db()
    assert (private.start, private.holds_host) == (NINE_AM + timedelta(hours=4), True)


def test_the_migration_check_lists_each_overlapping_pair_with_its_host_and_times(owner, other_owner):
    """The check the migration runs before it changes anything: seats of a group session whose
    type was switched to 1:1 overlap; cancelled, touching, other hosts' and group bookings do not."""
    workshop = make_meeting_type(owner, kind=MeetingTypeKind.GROUP, capacity=3, duration_minutes=60)
    first, second = make_booking(workshop, NINE_AM), make_booking(workshop, NINE_AM, client_name="Ben")
    make_booking(workshop, NINE_AM, status=BookingStatus.CANCELLED)
    make_booking(workshop, NINE_AM + timedelta(hours=1))  # touches the session: no overlap
    still_group = make_meeting_type(owner, kind=MeetingTypeKind.GROUP)
    make_booking(still_group, NINE_AM)
    make_booking(make_meeting_type(other_owner), NINE_AM)
    MeetingType.objects.filter(pk=workshop.pk).update(kind=MeetingTypeKind.ONE_ON_ONE)

    overlaps = migration.host_overlaps(apps, connection)

    assert overlaps == [(first.pk, second.pk, owner.pk, "owner@example.com", NINE_AM,
                         NINE_AM + timedelta(hours=1), NINE_AM, NINE_AM + timedelta(hours=1))]
    report = migration.overlap_report(overlaps)
    assert report.splitlines() == [
        "Cannot add the constraint that keeps a host's 1:1 bookings apart: 1 pair(s) of bookings of one host "
        "overlap (both not cancelled, both of a meeting type that is 1:1 now).",
        f"  host {owner.pk} (owner@example.com): booking {first.pk} at 2026-12-07 14:00-15:00 UTC overlaps "
        f"booking {second.pk} at 2026-12-07 14:00-15:00 UTC",
        "Nothing was changed. Cancel or move one booking of each pair (or, where they are seats of a group session "
        "whose meeting type was later switched to 1:1, switch that meeting type back to Group), then run migrate "
        "again.",
    ]


def test_the_check_finds_a_long_booking_overlapping_a_later_one_past_a_shorter_one(owner):
    long_type = make_meeting_type(owner, kind=MeetingTypeKind.GROUP, duration_minutes=180)
    short_type = make_meeting_type(owner, kind=MeetingTypeKind.GROUP, duration_minutes=30)
    long = make_booking(long_type, NINE_AM)  # 9:00-12:00
    early = make_booking(short_type, NINE_AM + timedelta(minutes=30))  # 9:30-10:00
    late = make_booking(short_type, NINE_AM + timedelta(hours=2))  # 11:00-11:30: overlaps only the long one
    MeetingType.objects.filter(owner=owner).update(kind=MeetingTypeKind.ONE_ON_ONE)

    pairs = [(first, second) for first, second, *_ in migration.host_overlaps(apps, connection)]

    assert pairs == [(long.pk, early.pk), (long.pk, late.pk)]


# --- The database's refusal (PostgreSQL) ---------------------------------------------------------


@pytest.mark.postgres
def test_a_direct_insert_of_an_overlapping_1_1_booking_of_one_host_is_refused(one_on_one, owner):
    make_booking(one_on_one, NINE_AM)
    longer = make_meeting_type(owner, duration_minutes=60)

    with refused_by_the_database():
        make_booking(one_on_one, NINE_AM)
    with refused_by_the_database():  # starts inside it
        make_booking(longer, NINE_AM - timedelta(minutes=45))
    with refused_by_the_database():  # a writer that never heard of holds_host is covered too
        Booking.objects.create(owner=owner, meeting_type=one_on_one, start=NINE_AM + timedelta(minutes=15),
                               end=NINE_AM + timedelta(minutes=45), client_name="Bo", client_email="bo@example.com")

    assert Booking.objects.count() == 1


@pytest.mark.postgres
def test_an_update_moving_a_booking_onto_another_or_uncancelling_it_is_refused(one_on_one):
    make_booking(one_on_one, NINE_AM)
    later = make_booking(one_on_one, NINE_AM + timedelta(hours=1))
    cancelled = make_booking(one_on_one, NINE_AM, status=BookingStatus.CANCELLED)

    with refused_by_the_database():
        Booking.objects.filter(pk=later.pk).update(start=NINE_AM + timedelta(minutes=15),
                                                   end=NINE_AM + timedelta(minutes=45))
    with refused_by_the_database():
        Booking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.CONFIRMED)


@pytest.mark.postgres
def test_group_seats_cancelled_bookings_touching_times_and_other_hosts_may_overlap(one_on_one, owner, other_owner):
    group = make_meeting_type(owner, kind=MeetingTypeKind.GROUP, capacity=3)
    for name in ("Ana", "Ben", "Cleo"):
        make_booking(group, NINE_AM + timedelta(hours=3), client_name=name)
    make_booking(one_on_one, NINE_AM, status=BookingStatus.CANCELLED)
    make_booking(one_on_one, NINE_AM)  # the cancelled one does not block it
    make_booking(one_on_one, NINE_AM + timedelta(minutes=30))  # 9:30 starts as 9:00-9:30 ends
    make_booking(make_meeting_type(other_owner), NINE_AM)

    assert Booking.objects.count() == 7


# --- The services turn the refusal into the usual message (PostgreSQL) --------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clients_past_a_forgotten_lock_and_check_book_the_time_once(one_on_one, monkeypatch):
    skip_the_code_check(monkeypatch, meet_at_the_check=threading.Barrier(2))

    booked, refusals = race(2, lambda i: book(one_on_one, NINE_AM, name=f"Client{i}"), services.BookingError)

    assert booked == 1
    assert refusals == [TAKEN]
    assert Booking.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_booking_page_under_that_race_says_the_time_was_taken_never_a_server_error(one_on_one, owner,
                                                                                       monkeypatch):
    skip_the_code_check(monkeypatch, meet_at_the_check=threading.Barrier(2))
    url = reverse("public:book_meeting", args=[owner.slug, one_on_one.slug])
    responses = []

    def post(index: int) -> None:
        responses.append(Client(raise_request_exception=False).post(url, {
            "client_name": f"Client {index}", "client_email": f"client{index}@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": "2026-12-07T14:00:00Z"}))

    race(2, post, services.BookingError)

    assert sorted(response.status_code for response in responses) == [200, 302]
    refused = next(response for response in responses if response.status_code == 200)
    assert TAKEN in refused.content.decode()
    assert Booking.objects.count() == 1


@pytest.mark.postgres
def test_a_reschedule_onto_a_taken_time_is_refused_and_the_transaction_goes_on(one_on_one, monkeypatch):
    book(one_on_one, NINE_AM)
    moving = book(one_on_one, NINE_AM + timedelta(hours=1), name="Ben")
    skip_the_code_check(monkeypatch)

    with pytest.raises(services.SlotUnavailable) as refusal:
        services.booking_reschedule(booking=moving, new_start=NINE_AM + timedelta(minutes=15), now=NOW)

    assert refusal.value.message == TAKEN
    # Rolled back to the service's savepoint only: the surrounding transaction still works.
    moving.refresh_from_db()
    assert (moving.start, moving.sequence) == (NINE_AM + timedelta(hours=1), 0)


@pytest.mark.postgres
def test_a_collective_meeting_refused_for_one_busy_host_leaves_no_row_for_any_host(owner, monkeypatch):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben")
    team = make_team(owner, members=[ben])
    collective = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)
    book(make_meeting_type(ben), NINE_AM)  # Ben's personal 1:1
    # The owner (lower id) leads: their row is written first, then Ben's is refused.
    # The code's check forgotten: every host looks free.
    monkeypatch.setattr(services, "free_hosts", lambda *, meeting_types, start, now: [
        (meeting_type, slots.Slot(start, start + meeting_type.duration, 1)) for meeting_type in meeting_types])

    with pytest.raises(services.SlotUnavailable, match="just taken"):
        team_booking_create(team_meeting_type=collective, start=NINE_AM, client_name="Ana",
                            client_email="ana@example.com", now=NOW)

    assert list(Booking.objects.values_list("owner_id", "meeting_type__team_hosted")) == [(ben.pk, False)]


# --- The migration (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_on_existing_overlaps_having_changed_nothing_then_runs_once_they_are_gone():
    before = [("scheduling", "0004_team_hosts")]
    executor = migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        OldMeetingType = old_apps.get_model("scheduling", "MeetingType")
        OldBooking = old_apps.get_model("scheduling", "Booking")
        host = make_owner(email="host@example.com", slug="host")
        # Seats of a group session, its type later switched to 1:1; and a session of a group type.
        switched = OldMeetingType.objects.create(owner_id=host.pk, name="Switched", slug="switched", kind="one_on_one")
        workshop = OldMeetingType.objects.create(owner_id=host.pk, name="Workshop", slug="workshop", kind="group")
        seats = [OldBooking.objects.create(owner_id=host.pk, meeting_type=switched, start=NINE_AM,
                                           end=NINE_AM + timedelta(minutes=30), client_name=name,
                                           client_email=f"{name.lower()}@example.com")
                 for name in ("Ana", "Ben")]
        seat = OldBooking.objects.create(owner_id=host.pk, meeting_type=workshop, start=NINE_AM,
                                         end=NINE_AM + timedelta(minutes=30), client_name="Cleo",
                                         client_email="cleo@example.com")

        with pytest.raises(CommandError) as refusal:
            MigrationExecutor(connection).migrate([("scheduling", MIGRATION)])

        assert (f"host {host.pk} (host@example.com): booking {seats[0].pk} at 2026-12-07 14:00-14:30 UTC overlaps "
                f"booking {seats[1].pk}") in str(refusal.value)
        assert "holds_host" not in [column.name for column in connection.introspection.get_table_description(
            connection.cursor(), OldBooking._meta.db_table)]

        OldBooking.objects.filter(pk=seats[1].pk).update(status="cancelled")
        MigrationExecutor(connection).migrate([("scheduling", MIGRATION)])

        assert dict(Booking.objects.values_list("pk", "holds_host")) == {
            seats[0].pk: True, seats[1].pk: True, seat.pk: False}
        with connection.cursor() as cursor:
            assert HOST_NO_OVERLAP in connection.introspection.get_constraints(cursor, Booking._meta.db_table)
    finally:
        migrate_to_latest()
