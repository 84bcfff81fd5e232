"""SMS through Twilio, mocked at the HTTP layer (`responses`) while the real twilio client runs;
the status and inbound callbacks checked with real computed signatures."""
import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from django.core import mail
from twilio.request_validator import RequestValidator

from notifications.dispatch import reminders_dispatch_due
from notifications.models import Channel, Message, MessageStatus, Reminder, ReminderStatus, SmsOptOut
from notifications.services import reminders_schedule
from notifications.tests.conftest import SESSION_START, make_booking
from tests import NOW

pytestmark = pytest.mark.django_db

ACCOUNT_SID = "AC" + "a" * 32
AUTH_TOKEN = "twilio-test-auth-token"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SITE_URL = "https://book.leadmonk.example"
STATUS_URL = f"{SITE_URL}/notifications/twilio/status/"
INBOUND_URL = f"{SITE_URL}/notifications/twilio/inbound/"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15550009999"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SITE_URL = SITE_URL
    return settings


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def twilio_api():
    with responses.RequestsMock() as api:
        yield api


def _created(sid="SM" + "1" * 32, to="+15551230001"):
    return {"sid": sid, "status": "queued", "to": to, "from": "+15550009999", "body": "...",
            "account_sid": ACCOUNT_SID, "num_segments": "1"}


def _error(code, message, status=400):
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def _booked(coaching, clock, **kw):
    booking = make_booking(coaching, **kw)
    reminders_schedule(booking=booking)
    clock.move_to(SESSION_START - timedelta(minutes=45))
    return booking


def test_an_sms_reminder_is_sent_through_twilio_with_a_validity_period(coaching, clock, twilio_api):
    twilio_api.add(responses.POST, MESSAGES_URL, json=_created(), status=201)
    booking = _booked(coaching, clock)

    result = reminders_dispatch_due()

    assert result.sent == 3  # the day-before email (late but before the session), the hour email, the SMS
    [call] = twilio_api.calls
    sent = parse_qs(call.request.body)
    assert sent["To"] == ["+15551230001"]
    assert sent["From"] == ["+15550009999"]
    assert sent["ValidityPeriod"] == [str(45 * 60)]  # dropped by Twilio if still queued at the start
    assert sent["StatusCallback"] == [STATUS_URL]
    assert "Coaching session with Casey Coach" in sent["Body"][0]
    assert f"{SITE_URL}/bookings/{booking.token}/" in sent["Body"][0]
    message = Message.objects.get(channel=Channel.SMS)
    assert (message.status, message.provider_id, message.recipient) == (MessageStatus.SENT, "SM" + "1" * 32,
                                                                        "+15551230001")


def test_the_validity_period_is_capped_at_twilios_limit(coaching, clock, twilio_api):
    twilio_api.add(responses.POST, MESSAGES_URL, json=_created(), status=201)
    coaching.sms_reminder_offsets = [1440]
    coaching.email_reminders_enabled = False
    coaching.save()
    booking = make_booking(coaching)
    reminders_schedule(booking=booking)
    clock.move_to(SESSION_START - timedelta(days=1))
    reminders_dispatch_due()
    assert parse_qs(twilio_api.calls[0].request.body)["ValidityPeriod"] == ["36000"]


def test_a_messaging_service_is_used_when_configured(coaching, clock, twilio_api, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "b" * 32
    twilio_api.add(responses.POST, MESSAGES_URL, json=_created(), status=201)
    _booked(coaching, clock)
    reminders_dispatch_due()
    sent = parse_qs(twilio_api.calls[0].request.body)
    assert sent["MessagingServiceSid"] == ["MG" + "b" * 32]
    assert "From" not in sent


def test_an_opted_out_number_is_recorded_not_retried_and_still_gets_the_email(coaching, clock, twilio_api):
    twilio_api.add(responses.POST, MESSAGES_URL, status=400,
                   json=_error(21610, "Attempt to send to unsubscribed recipient"))
    booking = _booked(coaching, clock)

    reminders_dispatch_due()

    assert SmsOptOut.objects.filter(phone="+15551230001").exists()
    sms_reminder = Reminder.objects.get(booking=booking, channel=Channel.SMS)
    assert sms_reminder.status == ReminderStatus.DROPPED
    assert Message.objects.get(channel=Channel.SMS).status == MessageStatus.FAILED
    assert [m.to for m in mail.outbox if m.subject.startswith("Reminder:")] == [["dana@example.com"]] * 2

    # Not retried later, and a new booking of that client gets no SMS reminder at all.
    clock.shift(timedelta(minutes=20))
    reminders_dispatch_due()
    assert len(twilio_api.calls) == 1
    later = make_booking(coaching, start=SESSION_START + timedelta(days=3))
    reminders_schedule(booking=later)
    assert not Reminder.objects.filter(booking=later, channel=Channel.SMS).exists()


def test_a_twilio_outage_is_retried_later(coaching, clock, twilio_api):
    twilio_api.add(responses.POST, MESSAGES_URL, status=503, json=_error(20503, "Service unavailable", 503))
    twilio_api.add(responses.POST, MESSAGES_URL, json=_created(), status=201)
    booking = _booked(coaching, clock)

    assert reminders_dispatch_due().retried == 1
    reminder = Reminder.objects.get(booking=booking, channel=Channel.SMS)
    assert (reminder.status, reminder.attempts) == (ReminderStatus.PENDING, 1)
    clock.shift(timedelta(minutes=1))
    assert reminders_dispatch_due().sent == 1
    assert Reminder.objects.get(pk=reminder.pk).status == ReminderStatus.SENT
    assert len(twilio_api.calls) == 2


def test_an_invalid_number_fails_without_retry(coaching, clock, twilio_api):
    twilio_api.add(responses.POST, MESSAGES_URL, status=400, json=_error(21211, "Invalid 'To' Phone Number"))
    booking = _booked(coaching, clock)
    assert reminders_dispatch_due().failed == 1
    reminder = Reminder.objects.get(booking=booking, channel=Channel.SMS)
    assert reminder.status == ReminderStatus.FAILED
    assert "21211" in reminder.last_error
    assert not SmsOptOut.objects.exists()


# --- Status callbacks ----------------------------------------------------------------------------

def _sms_message(status=MessageStatus.SENT, sid="SM" + "2" * 32):
    return Message.objects.create(kind="reminder", channel=Channel.SMS, recipient="+15551230001", status=status,
                                  provider_id=sid)


def _post_signed(client, url, params, *, token=AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(url, params)
    path = url.removeprefix(SITE_URL)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def _status_params(status, sid="SM" + "2" * 32, **extra):
    return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
            "AccountSid": ACCOUNT_SID, "To": "+15551230001", "From": "+15550009999", **extra}


def test_a_signed_status_callback_updates_the_message(client):
    message = _sms_message()
    response = _post_signed(client, STATUS_URL, _status_params("delivered"))
    assert response.status_code == 204
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_a_late_sent_never_overwrites_delivered(client):
    message = _sms_message()
    _post_signed(client, STATUS_URL, _status_params("delivered"))
    for late in ("sent", "queued", "sending", "undelivered"):
        assert _post_signed(client, STATUS_URL, _status_params(late)).status_code == 204
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_undelivered_is_recorded_with_its_error_code(client):
    message = _sms_message()
    _post_signed(client, STATUS_URL, _status_params("undelivered", ErrorCode="30003"))
    message.refresh_from_db()
    assert message.status == MessageStatus.UNDELIVERED
    assert "30003" in message.error


def test_a_forged_status_callback_is_refused(client):
    message = _sms_message()
    forged = _post_signed(client, STATUS_URL, _status_params("delivered"), token="not-the-auth-token")
    unsigned = client.post("/notifications/twilio/status/", _status_params("delivered"))
    assert (forged.status_code, unsigned.status_code) == (403, 403)
    # A signature over other parameters does not cover these.
    signature = RequestValidator(AUTH_TOKEN).compute_signature(STATUS_URL, _status_params("queued"))
    tampered = client.post("/notifications/twilio/status/", _status_params("delivered"),
                           HTTP_X_TWILIO_SIGNATURE=signature)
    assert tampered.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_the_status_callback_only_takes_post(client):
    assert client.get("/notifications/twilio/status/").status_code == 405


def test_a_callback_for_an_unknown_message_is_answered_and_ignored(client):
    response = _post_signed(client, STATUS_URL, _status_params("delivered", sid="SM" + "9" * 32))
    assert response.status_code == 204
    assert not Message.objects.exists()


def test_a_callback_with_error_21610_opts_the_number_out(client):
    _sms_message()
    _post_signed(client, STATUS_URL, _status_params("failed", ErrorCode="21610"))
    assert SmsOptOut.objects.filter(phone="+15551230001").exists()


def test_a_callback_is_refused_when_no_auth_token_is_configured(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    _sms_message()
    assert _post_signed(client, STATUS_URL, _status_params("delivered"), token="").status_code == 403


# --- Inbound texts (STOP / START) -------------------------------------------------------------

def _inbound(body, **extra):
    return {"MessageSid": "SM" + "3" * 32, "AccountSid": ACCOUNT_SID, "From": "+15551230001",
            "To": "+15550009999", "Body": body, **extra}


def test_a_stop_reply_opts_the_number_out_and_drops_its_pending_sms(client, coaching, clock):
    booking = make_booking(coaching)
    reminders_schedule(booking=booking)
    response = _post_signed(client, INBOUND_URL, _inbound("Stop"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert SmsOptOut.objects.filter(phone="+15551230001").exists()
    statuses = dict(Reminder.objects.filter(booking=booking).values_list("channel", "status").distinct())
    assert statuses[Channel.SMS] == ReminderStatus.DROPPED
    assert set(Reminder.objects.filter(booking=booking, channel=Channel.EMAIL).values_list("status", flat=True)) == {
        ReminderStatus.PENDING}


def test_a_start_reply_opts_the_number_back_in(client):
    SmsOptOut.objects.create(phone="+15551230001", source="stop-reply")
    _post_signed(client, INBOUND_URL, _inbound("START"))
    assert not SmsOptOut.objects.exists()


def test_an_ordinary_reply_changes_nothing(client):
    _post_signed(client, INBOUND_URL, _inbound("See you tomorrow!"))
    assert not SmsOptOut.objects.exists()


def test_a_forged_inbound_stop_is_refused(client):
    response = _post_signed(client, INBOUND_URL, _inbound("STOP"), token="forged")
    assert response.status_code == 403
    assert not SmsOptOut.objects.exists()


def test_twilio_client_goes_through_requests():
    # `responses` mocks `requests`; these tests only mean something if twilio uses it.
    from twilio.http.http_client import TwilioHttpClient

    assert type(TwilioHttpClient().session).__module__.startswith("requests")
    assert json.dumps(_created())  # fixtures are plain JSON


# --- A status that comes back before the SID is saved -------------------------------------------

def _answer_after_twilio_called_back(client, callbacks, sid="SM" + "1" * 32):
    """Twilio's answer to the send, given only after Twilio has already called our status URL with
    each of `callbacks` (status, extra parameters) for that SID: the callback racing our save of it."""
    def answer(request):
        for status, extra in callbacks:
            assert _post_signed(client, STATUS_URL, _status_params(status, sid=sid, **extra)).status_code == 204
        return 201, {}, json.dumps(_created(sid=sid))
    return answer


def test_a_delivered_callback_that_beats_the_saved_sid_still_lands(client, coaching, clock, twilio_api):
    twilio_api.add_callback(responses.POST, MESSAGES_URL, callback=_answer_after_twilio_called_back(
        client, [("queued", {}), ("delivered", {})]))
    _booked(coaching, clock)

    assert reminders_dispatch_due().sent == 3

    message = Message.objects.get(channel=Channel.SMS)
    assert (message.provider_id, message.status) == ("SM" + "1" * 32, MessageStatus.DELIVERED)
    # A later, late "sent" still never overwrites it.
    _post_signed(client, STATUS_URL, _status_params("sent", sid="SM" + "1" * 32))
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_an_undelivered_callback_that_beats_the_saved_sid_keeps_its_error(client, coaching, clock, twilio_api):
    twilio_api.add_callback(responses.POST, MESSAGES_URL, callback=_answer_after_twilio_called_back(
        client, [("undelivered", {"ErrorCode": "30005"}), ("sent", {})]))
    _booked(coaching, clock)

    reminders_dispatch_due()

    message = Message.objects.get(channel=Channel.SMS)
    assert message.status == MessageStatus.UNDELIVERED
    assert "30005" in message.error


def test_a_status_kept_for_a_sid_that_never_turns_up_is_pruned_after_a_day(client, clock):
    from notifications.models import EarlySmsStatus

    _post_signed(client, STATUS_URL, _status_params("delivered", sid="SM" + "7" * 32))
    assert EarlySmsStatus.objects.count() == 1
    clock.shift(timedelta(days=1, minutes=1))
    _post_signed(client, STATUS_URL, _status_params("delivered", sid="SM" + "8" * 32))
    assert list(EarlySmsStatus.objects.values_list("provider_id", flat=True)) == ["SM" + "8" * 32]
