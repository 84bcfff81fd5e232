"""Outgoing webhooks end to end: a change writes an outbox row in its own transaction, the
dispatcher POSTs it signed to a real local receiver, failures are retried with backoff for 24
hours and then the endpoint is disabled and its owner emailed; a worker that dies mid-send leads
to the same event delivered again."""
import json
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Message, MessageKind
from orders.credits import ledger_adjust, orders_expire_due
from orders.lifecycle import order_cancel, order_refund
from orders.models import OrderStatus
from orders.services import order_create
from scheduling.attendance import booking_mark_attendance
from scheduling.models import BookedBy
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from tests import (
    NINE_AM,
    NOW,
    TEN_AM,
    WEEKDAYS_9_TO_5,
    make_meeting_type,
    make_owner,
    make_package,
    race,
    set_weekly_hours,
)
from webhooks import dispatch, services
from webhooks.dispatch import CLAIM_TIMEOUT, deliveries_claim_due, deliveries_dispatch_due, delivery_send_claimed
from webhooks.models import Delivery, DeliveryStatus, EventType, WebhookEndpoint
from webhooks.signing import HEADER, header_value, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Coaching")


def endpoint_for(owner, receiver, events=(EventType.BOOKING_CREATED,)) -> WebhookEndpoint:
    return services.endpoint_create(owner=owner, url=receiver.url, events=list(events))


def book(meeting_type, start=NINE_AM):
    return booking_create(meeting_type=meeting_type, start=start, client_name="Cleo Client",
                          client_email="cleo@example.com", now=NOW)


def body_of(request) -> dict:
    return json.loads(request.body)


def test_a_booking_reaches_the_receiver_signed_once_the_transaction_commits(
        owner, meeting_type, receiver, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(owner, receiver)

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(meeting_type)

    [request] = receiver.requests
    event = body_of(request)
    assert event["type"] == "booking.created" and event["data"]["id"] == booking.pk
    assert event["data"]["meeting_type_name"] == "Coaching" and event["data"]["status"] == "confirmed"
    assert event["data"]["start"] == "2026-12-07T14:00:00Z"
    assert request.headers[HEADER].startswith("t=") and request.headers[HEADER].count("v1=") == 1
    assert verify(request.headers[HEADER], request.body, endpoint.secret, now=int(timezone.now().timestamp()))
    assert not verify(request.headers[HEADER], request.body, "whsec_someone-else", now=int(timezone.now().timestamp()))
    assert not verify(request.headers[HEADER], request.body + b" ", endpoint.secret,
                      now=int(timezone.now().timestamp()))
    delivery = Delivery.objects.get()
    assert str(delivery.event_id) == event["id"] == request.headers["Leadmonk-Event-Id"]
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.last_response_excerpt == '{"ok": true}'


def test_a_booking_that_rolls_back_leaves_no_delivery_and_sends_nothing(
        owner, meeting_type, receiver, django_capture_on_commit_callbacks):
    endpoint_for(owner, receiver)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            book(meeting_type)
            raise RuntimeError("something after the booking failed")

    assert not Delivery.objects.exists()
    assert deliveries_dispatch_due().delivered == 0
    assert receiver.requests == []


def test_only_the_owners_enabled_endpoints_that_want_the_event_get_it(owner, other_owner, meeting_type, receiver):
    wants = endpoint_for(owner, receiver)
    endpoint_for(owner, receiver, events=[EventType.ORDER_PAID])  # does not want bookings
    off = endpoint_for(owner, receiver)
    dispatch.endpoint_disable(endpoint_id=off.pk, reason="Gave up")
    endpoint_for(other_owner, receiver)

    book(meeting_type)
    deliveries_dispatch_due()

    # The disabled endpoint's delivery waits for "Enable endpoint", unsent; the enabled one's is sent.
    assert sorted(Delivery.objects.values_list("endpoint_id", "status")) == [
        (wants.pk, DeliveryStatus.DELIVERED), (off.pk, DeliveryStatus.PENDING)]
    [request] = receiver.requests
    assert verify(request.headers[HEADER], request.body, wants.secret, now=int(timezone.now().timestamp()))


def test_every_event_type_is_recorded_from_the_change_that_causes_it(owner, meeting_type, receiver):
    endpoint_for(owner, receiver, events=EventType.values)
    package = make_package(owner, items=[(meeting_type, 3)], price=Decimal("0"), payment_medium="",
                           expiry_kind="after_purchase", expiry_days=30)

    order = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                         terms_accepted=True, now=NOW)
    item = order.items.get()
    booking = book(meeting_type)
    booking_reschedule(booking=booking, new_start=TEN_AM, now=NOW)
    with time_machine.travel(TEN_AM + timedelta(hours=1)):
        booking_mark_attendance(booking=booking, attendance="no_show", by_user=owner)
    second = book(meeting_type, start=NINE_AM + timedelta(days=1))
    booking_cancel(booking=second, by=BookedBy.OWNER, now=NOW)
    ledger_adjust(item=item, change=2, note="Goodwill", by_user=owner)
    with time_machine.travel(NOW + timedelta(days=31)):
        assert orders_expire_due() == 1

    types = list(Delivery.objects.order_by("id").values_list("event_type", flat=True))
    assert types == ["order.created", "order.paid", "booking.created", "booking.rescheduled",
                     "booking.attendance_marked", "booking.created", "booking.cancelled", "credits.adjusted",
                     "credits.expired"]
    payloads = {delivery.event_type: delivery.payload for delivery in Delivery.objects.order_by("id")}
    assert payloads["order.paid"]["status"] == "active" and payloads["order.paid"]["id"] == order.pk
    assert payloads["booking.rescheduled"]["previous_start"] == "2026-12-07T14:00:00Z"
    assert payloads["booking.rescheduled"]["start"] == "2026-12-07T15:00:00Z"
    assert payloads["booking.attendance_marked"]["attendance"] == "no_show"
    assert payloads["credits.adjusted"]["entries"][0]["change"] == 2
    assert payloads["credits.adjusted"]["order"]["items"][0]["remaining"] == 5
    assert payloads["credits.expired"]["entries"][0]["change"] == -5
    assert payloads["credits.expired"]["order"]["items"][0]["remaining"] == 0


def test_a_cancelled_order_and_a_refunded_one_are_told_apart(owner, meeting_type, receiver):
    endpoint_for(owner, receiver, events=[EventType.ORDER_CANCELLED, EventType.ORDER_REFUNDED])
    package = make_package(owner, items=[(meeting_type, 2)], price=Decimal("0"), payment_medium="")
    kept = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                        terms_accepted=True, now=NOW)
    given_back = order_create(package=package, client_name="Rae Refund", client_email="rae@example.com",
                              terms_accepted=True, now=NOW)

    order_cancel(order=kept, reason="Moving away", now=NOW)
    order_refund(order=given_back, now=NOW)

    events = {d.event_type: d.payload for d in Delivery.objects.all()}
    assert events["order.cancelled"]["id"] == kept.pk and events["order.cancelled"]["status"] == OrderStatus.CANCELLED
    assert events["order.refunded"]["id"] == given_back.pk and events["order.refunded"]["status"] == "refunded"


def test_an_owner_without_endpoints_pays_no_query_for_webhooks(owner, meeting_type):
    """A new booking learns whether the owner has endpoints with its meeting type (one query for
    both: scheduling.owner_facts); elsewhere the answer is cached: a move of an owner without
    webhooks asks once."""
    def asked(queries):
        return [query for query in queries.captured_queries
                if "webhooks_" in query["sql"] and "scheduling_meetingtype" not in query["sql"]]

    with CaptureQueriesContext(connection) as first:
        booking = book(meeting_type)
    with CaptureQueriesContext(connection) as second:
        book(meeting_type, start=NINE_AM + timedelta(days=1))
    assert asked(first) == asked(second) == []

    with CaptureQueriesContext(connection) as first_move:
        booking_reschedule(booking=booking, new_start=TEN_AM, now=NOW)  # asks the database, and caches the answer
    with CaptureQueriesContext(connection) as second_move:
        booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(days=2), now=NOW)
    assert len(asked(first_move)) == 1 and asked(second_move) == []
    assert not Delivery.objects.exists()


def test_failures_are_retried_with_growing_waits_then_the_endpoint_is_disabled_and_the_owner_emailed(
        owner, meeting_type, receiver, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(owner, receiver)
    receiver.status, receiver.answer = 503, b"Service unavailable, try later"
    book(meeting_type)
    delivery = Delivery.objects.get()
    waits = []
    with time_machine.travel(delivery.next_attempt_at, tick=False) as clock:
        while True:
            assert deliveries_dispatch_due().delivered == 0
            delivery.refresh_from_db()
            if delivery.status != DeliveryStatus.PENDING:
                break
            waits.append(delivery.next_attempt_at - timezone.now())
            clock.move_to(delivery.next_attempt_at)
            assert len(waits) < 40
        with django_capture_on_commit_callbacks(execute=True):
            pass

    assert waits[:5] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8),
                         timedelta(minutes=16)]
    assert max(waits) == timedelta(hours=4)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == len(waits) + 1
    assert delivery.last_attempt_at == delivery.created_at + timedelta(hours=24)  # the last try: the day was up
    assert delivery.last_response_code == 503 and delivery.last_response_excerpt == "Service unavailable, try later"
    assert len(receiver.requests) == delivery.attempts
    assert len({body_of(request)["id"] for request in receiver.requests}) == 1  # one event, many tries
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "503" in endpoint.disabled_reason
    message = Message.objects.get(kind=MessageKind.WEBHOOK_DISABLED)
    assert message.recipient == owner.email


def test_the_disabled_endpoint_email_says_which_and_how_to_enable_it(owner, receiver,
                                                                    django_capture_on_commit_callbacks):
    endpoint = endpoint_for(owner, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.endpoint_disable(endpoint_id=endpoint.pk, reason="The endpoint answered 500.")
        assert not dispatch.endpoint_disable(endpoint_id=endpoint.pk, reason="again")  # once

    [email] = mail.outbox
    assert email.to == [owner.email] and email.subject == "Your webhook endpoint was disabled"
    assert receiver.url in email.body and "The endpoint answered 500." in email.body
    assert "/dashboard/settings/webhooks/" in email.body


def test_enabling_again_sends_what_waited_with_a_new_day_of_retries(owner, meeting_type, receiver):
    endpoint = endpoint_for(owner, receiver)
    book(meeting_type)
    dispatch.endpoint_disable(endpoint_id=endpoint.pk, reason="Gave up")
    assert deliveries_dispatch_due().delivered == 0  # nothing is sent to a disabled endpoint

    later = NOW + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        services.endpoint_enable(endpoint=endpoint)
        assert Delivery.objects.get().give_up_at == later + timedelta(hours=24)
        assert deliveries_dispatch_due().delivered == 1


def test_a_worker_killed_after_its_claim_leads_to_the_same_event_delivered_again(owner, meeting_type, receiver):
    endpoint_for(owner, receiver)
    book(meeting_type)
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False) as clock:
        [claimed] = deliveries_claim_due()
        # ... and the worker dies here, before sending or recording anything.
        assert deliveries_claim_due() == []  # its claim holds for a while
        clock.shift(CLAIM_TIMEOUT + timedelta(seconds=1))
        [again] = deliveries_claim_due()

        assert delivery_send_claimed(delivery=again) == "delivered"
        # The dead worker's claim, if it ever wakes up, records nothing over the new one, and sends
        # nothing either: its claim is no longer its own.
        assert delivery_send_claimed(delivery=claimed) == "dropped"

    assert again.pk == claimed.pk and again.event_id == claimed.event_id
    assert [body_of(request)["id"] for request in receiver.requests] == [str(claimed.event_id)]
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_a_rotated_secret_signs_beside_the_old_one_for_24_hours(owner, meeting_type, receiver):
    endpoint = endpoint_for(owner, receiver)
    old = endpoint.secret
    book(meeting_type)
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False) as clock:
        endpoint = services.endpoint_rotate_secret(endpoint=endpoint)
        deliveries_dispatch_due()
        clock.shift(timedelta(hours=24, minutes=1))
        services.delivery_resend(delivery=Delivery.objects.get())
        deliveries_dispatch_due()
        late = int(timezone.now().timestamp())

    first, second = receiver.requests
    assert endpoint.secret != old and first.headers[HEADER].count("v1=") == 2
    assert verify(first.headers[HEADER], first.body, endpoint.secret, now=int(NOW.timestamp()))
    assert verify(first.headers[HEADER], first.body, old, now=int(NOW.timestamp()))
    assert second.headers[HEADER].count("v1=") == 1
    assert verify(second.headers[HEADER], second.body, endpoint.secret, now=late)
    assert not verify(second.headers[HEADER], second.body, old, now=late)
    assert body_of(first)["id"] == body_of(second)["id"]  # a resend is the same event


def test_a_slow_receiver_is_recorded_as_a_timeout_and_tried_again(owner, meeting_type, receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.3
    receiver.delay = 1.0
    endpoint_for(owner, receiver)
    book(meeting_type)

    result = deliveries_dispatch_due()

    delivery = Delivery.objects.get()
    assert result.retried == 1 and delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == "The server took too long to answer." and delivery.last_response_code is None


def test_in_production_a_private_address_is_refused_where_the_socket_opens(owner, meeting_type, receiver, settings):
    """The form refuses it too; this is the endpoint saved while the address was public (DNS
    rebinding) or before the setting changed: the check at connect time still holds."""
    endpoint_for(owner, receiver)
    book(meeting_type)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    deliveries_dispatch_due()

    delivery = Delivery.objects.get()
    assert receiver.requests == []
    assert delivery.last_error.startswith("That address points at a private or local network")


def test_in_production_an_endpoint_that_is_not_https_is_not_sent_to(owner, meeting_type, receiver, settings):
    endpoint_for(owner, receiver)
    book(meeting_type)
    settings.WEBHOOK_REQUIRE_HTTPS = True

    deliveries_dispatch_due()

    assert receiver.requests == []
    assert Delivery.objects.get().last_error == "Not sent: the address must start with https://."


def test_an_unknown_event_or_none_is_refused_by_the_service(owner, receiver):
    with pytest.raises(services.WebhookError, match="Choose at least one event"):
        services.endpoint_create(owner=owner, url=receiver.url, events=[])
    with pytest.raises(services.WebhookError, match="Unknown event: order.shipped"):
        services.endpoint_create(owner=owner, url=receiver.url, events=["order.shipped"])
    assert not WebhookEndpoint.objects.exists()


def test_the_beat_task_queues_one_delivery_task_per_endpoint_with_due_work(owner, meeting_type, receiver, settings):
    from webhooks.tasks import deliver_due_webhooks

    endpoint_for(owner, receiver)
    endpoint_for(owner, receiver)
    other = make_owner()
    assert deliver_due_webhooks() == 0
    book(meeting_type)

    assert deliver_due_webhooks() == 2  # eager in the tests: each task ran
    assert len(receiver.requests) == 2 and not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
    assert settings.CELERY_BEAT_SCHEDULE["deliver-due-webhooks"]["task"] == "webhooks.tasks.deliver_due_webhooks"
    assert other.webhook_endpoints.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_dispatchers_running_at_once_send_each_delivery_once(owner, meeting_type, receiver):
    endpoint_for(owner, receiver)
    bookings = [book(meeting_type, start=NINE_AM + timedelta(days=day)) for day in range(5)]

    done, refusals = race(4, lambda _index: deliveries_dispatch_due(), RuntimeError)

    assert done == 4 and refusals == []
    assert sorted(body_of(request)["data"]["id"] for request in receiver.requests) == [b.pk for b in bookings]
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED, attempts=1).count() == 5


def test_erasing_a_client_scrubs_the_deliveries_about_them(owner, meeting_type, receiver):
    from clients.services import client_erase

    endpoint_for(owner, receiver, events=EventType.values)
    package = make_package(owner, items=[(meeting_type, 2)], price=Decimal("0"), payment_medium="")
    order = order_create(package=package, client_name="Jamie Rivers", client_email="jamie@example.com",
                         client_phone="+447700900123", terms_accepted=True, now=NOW)
    booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Jamie Rivers",
                   client_email="jamie@example.com", now=NOW)
    ledger_adjust(item=order.items.get(), change=1, note="Goodwill", by_user=owner)
    book(meeting_type, start=TEN_AM)  # another client's
    assert Delivery.objects.count() == 5

    later = NINE_AM + timedelta(days=1)  # the session is past: nothing of Jamie's is in progress
    with time_machine.travel(later):
        client_erase(owner=owner, email="jamie@example.com", by_user=owner, now=later)

    for delivery in Delivery.objects.exclude(event_type="booking.created", payload__client_name="Cleo Client"):
        text = json.dumps(delivery.payload).lower()
        assert "jamie" not in text and "rivers" not in text and "7700900123" not in text, delivery.event_type
    assert Delivery.objects.filter(payload__client_name="Cleo Client").count() == 1


def test_a_long_answer_is_read_only_in_part_and_the_delivery_counts(owner, meeting_type, receiver):
    receiver.answer = b"x" * 200_000
    endpoint_for(owner, receiver)
    book(meeting_type)

    assert deliveries_dispatch_due().delivered == 1

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_response_excerpt == "x" * 500


def test_enabling_after_a_day_of_failures_sends_the_event_that_gave_up_too(owner, meeting_type, receiver):
    endpoint = endpoint_for(owner, receiver)
    receiver.status = 500
    book(meeting_type)
    delivery = Delivery.objects.get()
    with time_machine.travel(delivery.give_up_at, tick=False):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert deliveries_dispatch_due().failed == 1  # the day is up: the endpoint is disabled
    endpoint.refresh_from_db()
    assert not endpoint.enabled

    receiver.reset()  # the endpoint answers again
    later = NOW + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        services.endpoint_enable(endpoint=endpoint)
        assert deliveries_dispatch_due().delivered == 1

    [request] = receiver.requests
    assert body_of(request)["id"] == str(delivery.event_id)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.give_up_at == later + timedelta(hours=24)


def test_enabling_does_not_send_again_what_an_earlier_outage_left_failed(owner, meeting_type, receiver):
    """A delivery left failed by an outage weeks before (the owner enabled the endpoint then, and
    chose not to resend it) is not sent by a later Enable: only what gave up in the day before."""
    endpoint = endpoint_for(owner, receiver)
    book(meeting_type)
    old = Delivery.objects.get()
    Delivery.objects.filter(pk=old.pk).update(status=DeliveryStatus.FAILED, give_up_at=NOW - timedelta(days=30))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False, disabled_at=NOW)

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        services.endpoint_enable(endpoint=endpoint)
        deliveries_dispatch_due()

    old.refresh_from_db()
    assert old.status == DeliveryStatus.FAILED and not receiver.requests


def test_a_slow_endpoint_gets_each_event_once_though_its_batch_takes_longer_than_a_claim(
        owner, meeting_type, receiver, settings):
    endpoint_for(owner, receiver)
    for day in range(5):
        book(meeting_type, start=NINE_AM + timedelta(days=day))
    # The longest one send may take: WEBHOOK_TIMEOUT to connect, three of them for the answer.
    slow_answer = timedelta(seconds=settings.WEBHOOK_TIMEOUT * (1 + dispatch.SEND_DEADLINE_FACTOR))
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False) as clock:
        batch = deliveries_claim_due()
        assert len(batch) == 5
        for delivery in batch[:4]:
            assert delivery_send_claimed(delivery=delivery) == "delivered"
            clock.shift(slow_answer)  # each answer came, just in time
        assert timezone.now() - batch[0].claimed_at > CLAIM_TIMEOUT
        # The beat task's dispatcher runs meanwhile: the batch's last delivery is still in hand.
        assert deliveries_claim_due() == []
        assert delivery_send_claimed(delivery=batch[4]) == "delivered"

    assert len(receiver.requests) == 5
    assert len({body_of(request)["id"] for request in receiver.requests}) == 5


def _given_up_after(owner, meeting_type, receiver, *, attempts: int):
    """A booking's delivery to an endpoint answering 500, `attempts` tries made, then its last at the
    end of its day of retries: it gives up and disables the endpoint. Returns both."""
    endpoint = endpoint_for(owner, receiver)
    receiver.status = 500
    book(meeting_type)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=attempts, next_attempt_at=delivery.give_up_at)
    with time_machine.travel(delivery.give_up_at, tick=False):
        assert deliveries_dispatch_due().failed == 1
    delivery.refresh_from_db()
    return endpoint, delivery


def test_enabling_after_a_day_of_failures_retries_a_minute_later_again_not_four_hours(owner, meeting_type, receiver):
    """"Enable endpoint" gives what waited a new day of retries: 1, 2, 4 … minutes apart again,
    though the day before had already reached waits of 4 hours."""
    # A day of tries ended: about fifteen of them, the last ones 4 hours apart.
    endpoint, delivery = _given_up_after(owner, meeting_type, receiver, attempts=14)
    later = NOW + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        services.endpoint_enable(endpoint=endpoint)
        assert deliveries_dispatch_due().retried == 1  # still failing at first

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 16
    assert delivery.next_attempt_at == later + timedelta(minutes=1)


def test_a_delivery_resent_after_many_tries_is_retried_not_left_sending(owner, meeting_type, receiver):
    """An event resent again and again over weeks has many tries behind it: a failure of the new
    send still schedules the next try (it is not stuck "Being sent", posted again every 2 minutes
    and never given up)."""
    endpoint_for(owner, receiver)
    receiver.status = 503
    book(meeting_type)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=60)
    later = NOW + timedelta(days=30)
    with time_machine.travel(later, tick=False):
        services.delivery_resend(delivery=delivery)
        assert deliveries_dispatch_due().retried == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 61)
    assert delivery.next_attempt_at == later + timedelta(minutes=1)


def test_events_while_an_endpoint_is_disabled_are_kept_and_sent_once_it_is_enabled(
        owner, meeting_type, receiver, django_capture_on_commit_callbacks):
    """The disabled email and page: "Nothing is lost: the events are kept ... enable it and what
    was waiting is sent": a booking and an order made while it is disabled reach it after Enable."""
    endpoint = endpoint_for(owner, receiver, events=[EventType.BOOKING_CREATED, EventType.ORDER_CREATED])
    dispatch.endpoint_disable(endpoint_id=endpoint.pk, reason="The endpoint answered 500.")
    package = make_package(owner, items=[(meeting_type, 1)], price=Decimal("0"), payment_medium="")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(meeting_type)
        order = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                             terms_accepted=True, now=NOW)
    assert deliveries_dispatch_due().delivered == 0 and receiver.requests == []  # nothing sent while disabled

    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        services.endpoint_enable(endpoint=endpoint)
        assert deliveries_dispatch_due().delivered == 2

    assert sorted((body_of(request)["type"], body_of(request)["data"]["id"]) for request in receiver.requests) == [
        ("booking.created", booking.pk), ("order.created", order.pk)]


def test_what_is_left_of_a_batch_is_not_sent_once_its_endpoint_is_disabled(owner, meeting_type, receiver):
    """The first delivery of a batch gives up and disables the endpoint: the rest of the batch is
    not posted to it any more ("Nothing is sent while it is disabled") but waits for Enable."""
    endpoint = endpoint_for(owner, receiver)
    receiver.status = 500
    book(meeting_type)
    book(meeting_type, start=TEN_AM)
    first, second = Delivery.objects.order_by("id")
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=NOW, give_up_at=NOW + timedelta(minutes=1))
    Delivery.objects.filter(pk=second.pk).update(next_attempt_at=NOW + timedelta(seconds=30))

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        result = deliveries_dispatch_due()

    assert (result.failed, result.delivered, result.retried) == (1, 0, 0)
    assert [body_of(request)["id"] for request in receiver.requests] == [str(first.event_id)]
    second.refresh_from_db()
    assert (second.status, second.attempts) == (DeliveryStatus.PENDING, 0)
    endpoint.refresh_from_db()
    assert not endpoint.enabled

    receiver.reset()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        services.endpoint_enable(endpoint=endpoint)
        assert deliveries_dispatch_due().delivered == 2


def test_the_disabled_reason_does_not_count_earlier_days_tries_as_the_last_days(owner, meeting_type, receiver):
    """A delivery enabled again after an outage has the first day's tries behind it: giving up
    after the second day does not say all of them were made in 24 hours."""
    endpoint, _delivery = _given_up_after(owner, meeting_type, receiver, attempts=29)

    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == ("The endpoint answered 500. (event booking.created: no success in 24 hours "
                                        "of retries, 30 tries in all)")


def _readme_verify():
    """The receiver's `verify` as README.md ("Outgoing webhooks") gives it to copy."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    block = readme.split("**The signature**", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(block, namespace)  # noqa: S102 - our own README's snippet
    return namespace["verify"]


@pytest.mark.parametrize("timestamp", ["²", "١٧٠٠٠٠٠٠٠٠", "9" * 5000, "", "-5", " 1"])
def test_a_signature_with_an_odd_timestamp_is_refused_not_an_error(timestamp):
    """'²' and Arabic-Indic digits pass str.isdigit() and 5,000 digits are too many for int(): a
    receiver that copied the README answered such a forged header with a server error."""
    body = b'{"id":"x"}'
    header = f"t={timestamp},v1={'0' * 64}"

    assert verify(header, body, "whsec_secret", now=int(NOW.timestamp())) is False
    assert _readme_verify()(header, body, "whsec_secret") is False
    signed_now = header_value(["whsec_secret"], int(time.time()), body)  # the snippet reads the real clock
    assert _readme_verify()(signed_now, body, "whsec_secret") is True
