"""A booking's reminders and messages are written in one hand-written INSERT each
(leadmonk.raw_rows.insert, without bulk_create's instances): the rows are the ones bulk_create
writes, field for field, and a reminder already there is skipped as bulk_create(ignore_conflicts)
skips it."""
import pytest
import time_machine

from leadmonk import raw_rows
from notifications.models import Audience, Message, MessageKind, Reminder
from notifications.services import reminders_schedule
from notifications.tests.conftest import SESSION_START
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
