"""A change that writes several messages queues one task for them (notifications.tasks.
deliver_messages): one broker message on the booking's path. Each message is still delivered once,
keeps its own retries, and one that fails does not hold back the others."""
from unittest import mock

import pytest
import time_machine
from django.core import mail

from notifications import delivery, tasks
from notifications.models import Message, MessageStatus
from notifications.tests.conftest import SESSION_START
from scheduling.services import booking_create
from tests import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _book(coaching):
    return booking_create(meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
                          client_email="dana@example.com", client_timezone="Europe/Berlin", now=NOW)


def test_a_booking_queues_one_task_for_both_its_emails(coaching, django_capture_on_commit_callbacks):
    with (mock.patch.object(tasks.deliver_messages, "delay", wraps=tasks.deliver_messages.delay) as batch,
          mock.patch.object(tasks.deliver_message, "delay", wraps=tasks.deliver_message.delay) as single,
          django_capture_on_commit_callbacks(execute=True)):
        booking = _book(coaching)

    client, owner = Message.objects.filter(booking=booking).order_by("id")
    batch.assert_called_once_with([client.pk, owner.pk])
    single.assert_not_called()
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.com", "owner@example.com"]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_a_lone_message_is_queued_as_before(owner, coaching, django_capture_on_commit_callbacks):
    owner.notify_owner_by_email = False
    owner.save()
    with (mock.patch.object(tasks.deliver_messages, "delay") as batch,
          mock.patch.object(tasks.deliver_message, "delay", wraps=tasks.deliver_message.delay) as single,
          django_capture_on_commit_callbacks(execute=True)):
        booking = _book(coaching)

    single.assert_called_once_with(Message.objects.get(booking=booking).pk)
    batch.assert_not_called()
    assert [m.to[0] for m in mail.outbox] == ["dana@example.com"]


class OwnerServerDown:
    """An email backend that cannot reach the owner's mail server (the client's goes out)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if any("owner@example.com" in m.to for m in messages):
            raise ConnectionRefusedError("owner's server unreachable")
        mail.outbox.extend(messages)
        return len(messages)


def test_a_message_failing_in_the_batch_retries_on_its_own_and_the_other_goes_out(
        coaching, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "notifications.tests.test_batched_delivery.OwnerServerDown"
    with django_capture_on_commit_callbacks(execute=False):
        booking = _book(coaching)
    client, owner = Message.objects.filter(booking=booking).order_by("id")

    with mock.patch.object(tasks.deliver_message, "apply_async") as retry:
        assert tasks.deliver_messages([owner.pk, client.pk]) == 1

    retry.assert_called_once_with((owner.pk,), countdown=tasks.FIRST_RETRY_SECONDS)
    client.refresh_from_db()
    owner.refresh_from_db()
    assert client.status == MessageStatus.SENT
    assert (owner.status, owner.attempts) == (MessageStatus.PENDING, 1)
    assert "owner's server unreachable" in owner.error
    assert [m.to[0] for m in mail.outbox] == ["dana@example.com"]
    # Its own retries count on from the batch's attempt and still stop at the limit.
    for _ in range(2, delivery.MESSAGE_MAX_ATTEMPTS):
        with pytest.raises(delivery.MessageSendError):
            delivery.message_deliver(message_id=owner.pk)
    assert delivery.message_deliver(message_id=owner.pk) is False
    owner.refresh_from_db()
    assert (owner.status, owner.attempts) == (MessageStatus.FAILED, delivery.MESSAGE_MAX_ATTEMPTS)


def test_a_message_that_breaks_does_not_keep_the_others_from_going_out(coaching, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        booking = _book(coaching)
    client, owner = Message.objects.filter(booking=booking).order_by("id")
    real_build = delivery.build_email

    def build(message):
        if message.pk == client.pk:
            raise ValueError("a template bug")
        return real_build(message)

    with mock.patch.object(delivery, "build_email", side_effect=build):
        assert tasks.deliver_messages([client.pk, owner.pk]) == 1

    assert [m.to[0] for m in mail.outbox] == ["owner@example.com"]
    client.refresh_from_db()
    assert client.status == MessageStatus.PENDING  # the sweep queues it again, as a lost task's
