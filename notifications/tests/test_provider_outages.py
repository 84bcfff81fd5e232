"""Twilio or the mail server unreachable (connection refused, timeout): the reminder is kept and
retried later with the reason recorded, never lost and never an error; a forged-looking but
signed inbound text with a bad sender is ignored."""
from datetime import timedelta

import pytest
import requests
import responses
import time_machine
from twilio.request_validator import RequestValidator

from notifications.dispatch import reminders_dispatch_due
from notifications.models import Channel, Reminder, ReminderStatus, SmsOptOut
from notifications.services import reminders_schedule
from notifications.tests.conftest import SESSION_START, make_booking
from tests import NOW

pytestmark = pytest.mark.django_db

ACCOUNT_SID = "AC" + "a" * 32
AUTH_TOKEN = "twilio-test-auth-token"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SITE_URL = "https://book.leadmonk.example"
INBOUND_URL = f"{SITE_URL}/notifications/twilio/inbound/"
STATUS_URL = f"{SITE_URL}/notifications/twilio/status/"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15550009999"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SITE_URL = SITE_URL


@pytest.mark.parametrize("failure", [requests.ConnectionError("Connection refused"), requests.Timeout("timed out")],
                         ids=["connection-refused", "timeout"])
def test_twilio_unreachable_keeps_the_sms_reminder_for_a_retry(coaching, failure):
    with time_machine.travel(NOW, tick=False) as clock, responses.RequestsMock() as twilio:
        twilio.add(responses.POST, MESSAGES_URL, body=failure)
        coaching.email_reminders_enabled = False
        coaching.save()
        booking = make_booking(coaching)
        reminders_schedule(booking=booking)
        clock.move_to(SESSION_START - timedelta(minutes=45))

        result = reminders_dispatch_due()

    assert result.retried == 1
    reminder = Reminder.objects.get(booking=booking, channel=Channel.SMS)
    assert reminder.status == ReminderStatus.PENDING
    assert "Twilio request failed" in reminder.last_error


@pytest.mark.parametrize("error", [ConnectionRefusedError("Connection refused"), TimeoutError("timed out")],
                         ids=["connection-refused", "timeout"])
def test_the_mail_server_unreachable_keeps_the_email_reminder_for_a_retry(coaching, settings, monkeypatch, error):
    def fail(self, messages):
        raise error

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", fail)
    coaching.sms_reminders_enabled = False
    coaching.save()
    with time_machine.travel(NOW, tick=False) as clock:
        booking = make_booking(coaching)
        reminders_schedule(booking=booking)
        clock.move_to(SESSION_START - timedelta(minutes=45))
        result = reminders_dispatch_due()

    assert result.retried >= 1
    assert set(Reminder.objects.filter(booking=booking).values_list("status", flat=True)) <= {
        ReminderStatus.PENDING, ReminderStatus.DROPPED}


def _post_signed(client, url, params):
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(url.removeprefix(SITE_URL), params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.parametrize("sender", ["+1555\x000001", "+1" + "5" * 30, "not a number"], ids=["nul", "long", "words"])
def test_a_signed_inbound_text_with_a_bad_sender_is_ignored_not_an_error(client, sender):
    response = _post_signed(client, INBOUND_URL, {"MessageSid": "SM" + "3" * 32, "AccountSid": ACCOUNT_SID,
                                                  "From": sender, "To": "+15550009999", "Body": "STOP"})

    assert response.status_code == 200
    assert not SmsOptOut.objects.exists()


@pytest.mark.parametrize("field", ["MessageSid", "To"])
def test_a_signed_status_callback_with_a_nul_byte_is_ignored_not_an_error(client, field):
    params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "undelivered", "ErrorCode": "21610",
              "AccountSid": ACCOUNT_SID, "To": "+15551230001", "From": "+15550009999"}
    params[field] = params[field][:5] + "\x00" + params[field][5:]

    response = _post_signed(client, STATUS_URL, params)

    assert response.status_code == 204
    assert not SmsOptOut.objects.exists()
