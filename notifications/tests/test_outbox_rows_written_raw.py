"""A booking's reminders and messages are written in one hand-written INSERT each
(leadmonk.raw_rows.insert, without bulk_create's instances): the rows are the ones bulk_create
writes, field for field, and a reminder already there is skipped as bulk_create(ignore_conflicts)
skips it. On PostgreSQL the two INSERTs go in one round trip (raw_rows.insert_together), and one
that fails still rolls the booking back."""
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from leadmonk import raw_rows
from notifications.models import Audience, Message, MessageKind, Reminder
from notifications.services import reminders_schedule
from notifications.tests.conftest import SESSION_START
from scheduling.models import Booking
from scheduling.services import booking_create
from tests import NOW

pytestmark = pytest.mark.django_db

WRITTEN_AT = ("id", "created_at", "updated_at")


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def fields(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields
            if field.attname not in WRITTEN_AT}


def test_a_bookings_messages_and_reminders_are_the_rows_bulk_create_writes(owner, coaching):
    booking = booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                             client_email="dana@example.com", client_phone="+15551230001", now=NOW)
    messages = list(Message.objects.filter(booking=booking).order_by("audience"))
    reminders = list(Reminder.objects.filter(booking=booking).order_by("channel", "offset_minutes"))
    assert [(m.audience, m.recipient, m.kind) for m in messages] == [
        (Audience.CLIENT, "dana@example.com", MessageKind.BOOKING_CONFIRMED),
        (Audience.OWNER, owner.email, MessageKind.BOOKING_CONFIRMED)]
    assert [(r.channel, r.offset_minutes) for r in reminders] == [("email", 60), ("email", 1440), ("sms", 60)]

    by_orm = Message.objects.bulk_create([
        Message(booking=booking, kind=m.kind, audience=m.audience, recipient=m.recipient, context={})
        for m in messages])
    for raw, orm in zip(messages, Message.objects.filter(pk__in=[m.pk for m in by_orm]).order_by("audience"),
                        strict=True):
        assert fields(raw) == fields(orm)
        assert raw.created_at == raw.updated_at == NOW and orm.created_at == NOW
    Reminder.objects.filter(booking=booking).delete()
    Reminder.objects.bulk_create([Reminder(booking=booking, channel=r.channel, offset_minutes=r.offset_minutes,
                                           due_at=r.due_at) for r in reminders])
    by_orm = Reminder.objects.filter(booking=booking).order_by("channel", "offset_minutes")
    assert [fields(r) for r in reminders] == [fields(r) for r in by_orm]


def test_reminders_already_there_are_skipped_as_bulk_create_skips_them(owner, coaching):
    booking = booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                             client_email="dana@example.com", now=NOW)
    before = list(Reminder.objects.filter(booking=booking).values_list("pk", "channel", "offset_minutes", "due_at"))

    reminders_schedule(booking=booking)  # the same offsets again: nothing new, no error

    assert list(Reminder.objects.filter(booking=booking).values_list(
        "pk", "channel", "offset_minutes", "due_at")) == before
    assert len(before) == 2


def test_an_insert_returns_the_ids_of_the_rows_it_wrote(owner, coaching):
    booking = booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                             client_email="dana@example.com", now=NOW)
    ids = raw_rows.insert(Message, [
        {"booking_id": booking.pk, "kind": MessageKind.BOOKING_CANCELLED, "recipient": "a@example.com",
         "context": {"why": ["a", 1]}},
        {"booking_id": booking.pk, "kind": MessageKind.BOOKING_CANCELLED, "recipient": "b@example.com"},
    ])
    written = {m.pk: (m.recipient, m.context, m.audience, m.status) for m in Message.objects.filter(pk__in=ids)}
    assert written == {ids[0]: ("a@example.com", {"why": ["a", 1]}, Audience.CLIENT, "pending"),
                       ids[1]: ("b@example.com", {}, Audience.CLIENT, "pending")}
    assert raw_rows.insert(Message, []) == []


def test_a_bookings_reminders_and_messages_go_in_one_round_trip_on_postgresql(owner, coaching):
    with CaptureQueriesContext(connection) as queries:
        booking = booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                                 client_email="dana@example.com", now=NOW)

    writes = [query["sql"] for query in queries.captured_queries
              if query["sql"].startswith("INSERT") and '"notifications_' in query["sql"]]
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].count("INSERT INTO") == 2
    else:
        assert len(writes) == 2
    assert Reminder.objects.filter(booking=booking).count() == 2
    assert Message.objects.filter(booking=booking).count() == 2


def test_inserted_together_the_last_inserts_ids_come_back(owner, coaching):
    booking = booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                             client_email="dana@example.com", now=NOW, notify=False)
    Reminder.objects.filter(booking=booking).delete()

    ids = raw_rows.insert_together([
        raw_rows.Insert(Reminder, [{"booking_id": booking.pk, "channel": "email", "offset_minutes": 5,
                                    "due_at": SESSION_START}], ignore_conflicts=True, returning=False),
        raw_rows.Insert(Message, []),  # nothing to write: left out
        raw_rows.Insert(Message, [{"booking_id": booking.pk, "kind": MessageKind.BOOKING_CONFIRMED,
                                   "recipient": "a@example.com"}]),
    ])

    assert list(Message.objects.filter(booking=booking).values_list("pk", flat=True)) == ids
    assert list(Reminder.objects.filter(booking=booking).values_list("offset_minutes", flat=True)) == [5]
    assert raw_rows.insert_together([raw_rows.Insert(Message, [])]) == []
    with pytest.raises(ValueError):
        raw_rows.insert_together([raw_rows.Insert(Message, [{"booking_id": booking.pk}]),
                                  raw_rows.Insert(Message, [{"booking_id": booking.pk}])])


def test_a_failing_insert_of_the_batch_rolls_the_booking_back(owner, coaching):
    """The messages' INSERT fails after the reminders' (sent with it on PostgreSQL): the error
    reaches the booking's atomic block, which writes nothing, reminders included."""
    bad_rows = raw_rows.Insert(Message, [{"kind": MessageKind.BOOKING_CONFIRMED,
                                          "recipient": None}])  # NOT NULL: refused at once
    with (mock.patch("notifications.services._booking_message_rows", return_value=bad_rows),
          pytest.raises(IntegrityError)):
        booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                       client_email="dana@example.com", now=NOW)

    assert not Booking.objects.exists()
    assert not Reminder.objects.exists() and not Message.objects.exists()
