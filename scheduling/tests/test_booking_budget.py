"""An uncontended booking (what `make bench` times as "uncontended") runs the same number of queries
however many bookings the owner has, and one Celery message is queued for its two emails."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.db.models import Exists

from accounts.locks import owner_lock_clause
from accounts.models import User
from calendars.models import Calendar, CalendarConnection, ConnectionKind
from leadmonk import prepared
from scheduling import owner_facts
from scheduling.hold_release import expired_hold_params
from scheduling.models import Booking, BookingStatus, MeetingType
from scheduling.services import _meeting_type_locking_owner, _meeting_type_sql, booking_create
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_booking, make_meeting_type, set_weekly_hours
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

# The savepoint (the test's transaction holds the booking's), the owner lock taken by the meeting
# type's read with whether the owner has a hold past its time, adds bookings to a calendar and has
# webhook endpoints (scheduling.owner_facts: no query or cache call of their own), the slot check
# (one query), the booking, its reminders (one INSERT) and its two messages (one INSERT), the
# savepoint released. And the booking added to the client's row of the Clients table
# (clients.upkeep.client_booking_added: one INSERT … ON CONFLICT DO UPDATE; a recompute was 4 queries).
# On PostgreSQL the reminders' and the messages' INSERTs are sent in one execute
# (leadmonk.raw_rows.insert_together); SQLite takes one statement an execute.
REMINDERS_WITH_MESSAGES = 1 if connection.vendor == "postgresql" else 0
BOOKING = 8 - REMINDERS_WITH_MESSAGES


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("existing", [2, 12])
@pytest.mark.parametrize("prepared_statements", [True, False])  # leadmonk.prepared, on PostgreSQL
def test_a_booking_runs_a_fixed_number_of_queries(owner, existing, prepared_statements, settings,
                                                  django_assert_num_queries, django_capture_on_commit_callbacks):
    settings.DATABASE_PREPARED_STATEMENTS = prepared_statements
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    intro = make_meeting_type(owner, name="Intro call", slug="intro", email_reminders_enabled=True,
                              email_reminder_offsets=[60])
    for n in range(existing):  # the same day and the days after: in the slot check's window or not
        make_booking(intro, NINE_AM + timedelta(days=n // 4, hours=1 + n % 4), client_email=f"b{n}@example.com")

    booking_create(meeting_type=intro, start=NINE_AM + timedelta(days=7), client_name="First",
                   client_email="first@example.com", now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_num_queries(BOOKING):
        booking = booking_create(meeting_type=intro, start=NINE_AM, client_name="Cleo",
                                 client_email="cleo@example.com", now=NOW)

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.reminders.count() == 1
    assert booking.messages.count() == 2
    # Commit: the bookings, orders and client email (/my/) versions bumped again, one task for the
    # client's and the owner's emails.
    assert len(callbacks) == 4
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["cleo@example.com", "owner@example.com"]
    assert Booking.objects.filter(owner=owner, status=BookingStatus.CONFIRMED).count() == existing + 2


def add_calendar(owner, *, add_bookings: bool) -> Calendar:
    account = CalendarConnection.objects.create(owner=owner, kind=ConnectionKind.CALDAV, name="Work",
                                                url="https://dav.example.com/")
    return Calendar.objects.create(owner=owner, connection=account, url="https://dav.example.com/work/",
                                   name="Work", add_bookings=add_bookings)


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


@pytest.mark.parametrize("expired_hold", [False, True])
def test_the_meeting_types_read_after_the_lock_is_what_the_orm_reads(owner, other_owner, expired_hold):
    """booking_create locks the owner and reads the meeting type, its owner, whether the owner has a
    hold past its time and the owner's facts the apps above ask (a calendar to add bookings to, a
    webhook endpoint, enabled or not) in one hand-written query (services._meeting_type_locking_owner): the
    same as the ORM's."""
    intro = make_meeting_type(owner, name="Intro call", slug="intro", email_reminders_enabled=True,
                              email_reminder_offsets=[60, 1440], price=Decimal("25.50"))
    if expired_hold:
        booking = make_booking(intro, NINE_AM, client_email="held@example.com")
        Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.HELD, hold_expires_at=NOW - timedelta(minutes=1))
        # Facts of this owner only: the other owner's calendar and endpoint say nothing about them.
        add_calendar(other_owner, add_bookings=True)
        WebhookEndpoint.objects.create(owner=other_owner, url="https://example.com/hook", events=["booking.created"])
        add_calendar(owner, add_bookings=False)
    else:
        add_calendar(owner, add_bookings=True)
        WebhookEndpoint.objects.create(owner=owner, url="https://example.com/hook", events=["booking.created"])
    read, facts = _meeting_type_locking_owner(pk=intro.pk, owner_id=owner.pk, now=NOW)
    assert facts == {
        "calendars.add_bookings": Calendar.objects.filter(owner=owner, add_bookings=True).exists(),
        "webhooks.has_endpoints": WebhookEndpoint.objects.filter(owner=owner).exists(),
    } == {"calendars.add_bookings": not expired_hold, "webhooks.has_endpoints": not expired_hold}
    expected = (MeetingType.objects.select_related("owner")
                .annotate(any_expired_hold=Exists(Booking.objects.filter(
                    owner=owner, status=BookingStatus.HELD, hold_expires_at__lte=NOW)))
                .get(pk=intro.pk))
    assert fields(read) == fields(expected) and fields(read.owner) == fields(expected.owner)
    assert read.any_expired_hold is expected.any_expired_hold is expired_hold
    assert read.email_reminder_offsets == [60, 1440] and read.created_at.tzinfo is not None
    with pytest.raises(MeetingType.DoesNotExist):
        _meeting_type_locking_owner(pk=intro.pk + 1000, owner_id=owner.pk, now=NOW)


def _owner_lock_free(owner_id: int) -> bool:
    """Whether another connection gets the owner's lock at once (a thread: its own connection)."""
    answer = []

    def ask() -> None:
        try:
            with transaction.atomic():
                User.objects.select_for_update(nowait=True).get(pk=owner_id)
            answer.append(True)
        except OperationalError:
            answer.append(False)
        finally:
            connection.close()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    return answer[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_meeting_types_read_holds_the_owners_lock_until_the_booking_ends(owner):
    """The read takes the lock `lock_owner` takes (one round trip for both): another booking of the
    owner waits for this one to commit."""
    intro = make_meeting_type(owner, name="Intro call", slug="intro")
    with transaction.atomic():
        _meeting_type_locking_owner(pk=intro.pk, owner_id=owner.pk, now=NOW)
        assert not _owner_lock_free(owner.pk)
    assert _owner_lock_free(owner.pk)


@pytest.mark.postgres
def test_the_locking_reads_kept_plan_finds_holds_by_the_held_bookings_index(owner, other_owner):
    """The meeting type's read is a prepared statement (leadmonk.prepared), and PostgreSQL runs a
    prepared statement with one generic plan from its sixth run, for every owner. Whether the owner
    has a hold past its time must then still come from the small index of held bookings: a generic
    plan that read the bookings table walked every row of it (8 ms a booking beside an owner of
    50,000 bookings, where the whole booking takes 4)."""
    busy = make_meeting_type(other_owner, name="Busy", slug="busy")
    Booking.objects.bulk_create(
        Booking(owner=other_owner, meeting_type=busy, start=NINE_AM + timedelta(hours=n),
                end=NINE_AM + timedelta(hours=n, minutes=30), client_name="B", client_email=f"b{n}@example.com")
        for n in range(2000))
    intro = make_meeting_type(owner, name="Intro call", slug="intro")
    sql = _meeting_type_sql(owner_facts.names(), owner_lock_clause("u"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE scheduling_booking")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE kept_plan AS {prepared._numbered(sql)}")
        try:
            params = [*expired_hold_params(owner.pk, NOW), intro.pk, owner.pk]
            cursor.execute(f"EXPLAIN EXECUTE kept_plan({', '.join(['%s'] * len(params))})", params)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE kept_plan")

    assert "booking_held_expiry" in plan
    assert "Seq Scan on scheduling_booking" not in plan
