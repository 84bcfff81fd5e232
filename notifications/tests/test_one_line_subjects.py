"""A name typed with a line break (a crafted form post, an API call) reaches an email's subject: the
mail library refuses a header with a line break, so the message was never sent. It goes out on one
line."""
import pytest
from django.core import mail

from notifications.delivery import message_deliver
from notifications.models import Audience, Message, MessageKind, MessageStatus
from notifications.tests.conftest import make_booking

pytestmark = pytest.mark.django_db


def test_a_client_name_with_a_line_break_still_reaches_the_owner_on_one_line(owner, coaching):
    booking = make_booking(coaching, client_name="Dana\r\nBcc: someone@example.com")
    message = Message.objects.create(booking=booking, kind=MessageKind.BOOKING_CONFIRMED, audience=Audience.OWNER,
                                     recipient=owner.email)

    assert message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (sent,) = mail.outbox
    assert sent.subject == "Confirmed: Coaching session with Dana Bcc: someone@example.com"
    assert sent.to == [owner.email] and not sent.bcc
