"""The text of a waitlist offer (a transactional SMS, notifications.delivery): never to a number
that replied STOP, and sent even when the task that was to send it was lost."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from notifications import sms, tasks
from notifications.models import Channel, Message, MessageKind, MessageStatus, SmsOptOut
from notifications.services import notify_waitlist_offer
from tests import NOW

pytestmark = pytest.mark.django_db

PHONE = "+15551230001"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _offer(django_capture_on_commit_callbacks, *, execute: bool = True) -> None:
    with django_capture_on_commit_callbacks(execute=execute):
        notify_waitlist_offer(email="cleo@example.com", phone=PHONE, link="https://book.example/claim/abc",
                              expires_at=NOW + timedelta(hours=3), what="Group workshop on Mon 7 Dec, 10:00",
                              language="en")


def test_a_number_that_replied_stop_gets_no_waitlist_text_but_still_the_email(django_capture_on_commit_callbacks):
    SmsOptOut.objects.create(phone=PHONE, source="stop-reply")
    _offer(django_capture_on_commit_callbacks)
    assert sms.outbox == []
    assert [email.to for email in mail.outbox] == [["cleo@example.com"]]
    text = Message.objects.get(kind=MessageKind.WAITLIST_OFFER, channel=Channel.SMS)
    assert text.status == MessageStatus.FAILED
    assert "opted out" in text.error
    assert "link" not in text.context  # the claim link is not kept once the text is given up


def test_a_waitlist_text_whose_task_was_lost_is_sent_by_the_sweep(django_capture_on_commit_callbacks, frozen_clock):
    _offer(django_capture_on_commit_callbacks, execute=False)  # the broker was down at commit
    frozen_clock.shift(timedelta(minutes=11))
    tasks.dispatch_due_reminders()
    assert [text.to for text in sms.outbox] == [PHONE]
    assert [email.to for email in mail.outbox] == [["cleo@example.com"]]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
