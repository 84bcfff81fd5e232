"""After a client is erased, their email, name and phone are in no row of any table: every text field
of every model is read back (only issued invoices and credit notes keep them, unchanged, as tax law
requires). The world holds what a client leaves behind: a paid order with its invoice, sessions, a
gift, the emails about them, a "Find my bookings" sign-in link and its email, a place on a waitlist
and the seat offered from it, and a session booked through the API with an Idempotency-Key (whose
answer is kept for a day, to be sent again to a retry)."""
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models

from api.models import IdempotentRequest
from api.tests.helpers import api_client, key_for
from clients.services import client_erase
from invoices.models import CreditNote, Invoice
from notifications.models import Message, MessageKind, MessageStatus
from orders.gifts import GiftDetails
from orders.models import Gift
from orders.services import order_create
from portal.models import SignInLink
from scheduling.models import Attendance, Booking, MeetingTypeKind
from scheduling.services import booking_cancel, booking_create
from tests import NINE_AM, NOW, make_booking, make_meeting_type
from waitlists.models import WaitlistEntry, WaitlistStatus
from waitlists.services import waitlist_join
from webhooks.models import Delivery, EventType
from webhooks.services import endpoint_create

from .conftest import paid_order, pay

SECRETS = ("jamie@example.com", "jamie", "rivers", "7700900123", "7911123456")
# Kept unchanged on purpose (the erasure screen says so): an issued document is never rewritten.
KEPT_BY_LAW = (Invoice, CreditNote)


def rows_holding(secrets) -> list[str]:
    """"<model>.<pk>" of every row, in every table but the documents kept by law, whose text fields
    (names, emails, phones, subjects, JSON contexts, answers) contain one of `secrets`."""
    found = []
    for model in apps.get_models():
        if model in KEPT_BY_LAW or model._meta.proxy or not model._meta.managed:
            continue
        fields = [field.attname for field in model._meta.concrete_fields
                  if isinstance(field, (models.CharField, models.TextField, models.JSONField, models.BinaryField))]
        if not fields:
            continue
        for pk, *values in model._base_manager.values_list("pk", *fields):
            text = repr([bytes(value).decode() if isinstance(value, (bytes, memoryview)) else value
                         for value in values]).lower()
            if any(secret in text for secret in secrets):
                found.append(f"{model._meta.label}.{pk}")
    return found


def api_booking(owner, coaching):
    """Jamie's session tomorrow at nine, booked through the API with the key "7c0a-book-1"."""
    return api_client(key_for(owner)).post(
        "/api/v1/bookings/", {"meeting_type_id": coaching.pk, "start": (NINE_AM + timedelta(days=1)).isoformat(),
                              "client_name": "Jamie Rivers", "client_email": "jamie@example.com",
                              "client_phone": "+447911123456"},
        format="json", HTTP_IDEMPOTENCY_KEY="7c0a-book-1")


@pytest.fixture
def jamie_everywhere(client, owner, package, coaching, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(package, phone="+447700900123")
        make_booking(coaching, NOW - timedelta(days=5), client_name="Jamie Rivers", client_email="jamie@example.com",
                     client_phone="+447700900123", order_item=order.items.get(), attendance=Attendance.NO_SHOW)
        Gift.objects.create(order=order, buyer_name="Pat Buyer", buyer_email="pat@example.com",
                            recipient_name="Jamie Rivers", recipient_email="jamie@example.com",
                            message="Happy birthday, Jamie!", send_on=NOW.date(), send_at=NOW, sent_at=NOW)
        # "Find my bookings": a sign-in link and its email.
        assert client.post("/my/", {"email": "Jamie@Example.com"}).status_code in (200, 302)
        # A place on the waitlist of a full workshop, and the seat offered when one is freed.
        workshop = make_meeting_type(owner, name="Group workshop", slug="group-workshop", kind=MeetingTypeKind.GROUP,
                                     capacity=1, duration_minutes=60)
        seat = booking_create(meeting_type=workshop, start=NINE_AM, client_name="Ann", client_email="ann@example.com")
        waitlist_join(meeting_type=workshop, start=NINE_AM, client_name="Jamie Rivers",
                      client_email="jamie@example.com", client_phone="+447700900123")
        booking_cancel(booking=seat)
        # Booked, then cancelled, through the API by the owner's own software, each sent with a key:
        # both answers are kept.
        booked = api_booking(owner, coaching)
        assert booked.status_code == 201, booked.content
        cancelled = api_client(key_for(owner)).post(f"/api/v1/bookings/{booked.json()['id']}/cancel/", {},
                                                    format="json", HTTP_IDEMPOTENCY_KEY="7c0a-cancel-1")
        assert cancelled.status_code == 200, cancelled.content
    assert IdempotentRequest.objects.filter(key__in=["7c0a-book-1", "7c0a-cancel-1"], status_code__lt=300).count() == 2
    assert SignInLink.objects.filter(email="jamie@example.com").exists()
    assert Message.objects.filter(kind=MessageKind.PORTAL_SIGN_IN, recipient="jamie@example.com").exists()
    assert WaitlistEntry.objects.get(client_email="jamie@example.com").status == WaitlistStatus.OFFERED
    assert Message.objects.filter(kind=MessageKind.WAITLIST_OFFER, recipient="jamie@example.com").exists()
    assert Invoice.objects.filter(order=order).exists()
    return order


def test_after_erasure_the_client_is_in_no_row_of_any_table(owner, jamie_everywhere):
    assert rows_holding(SECRETS)  # the walk finds them before

    client_erase(owner=owner, email="jamie@example.com", by_user=owner)
    assert rows_holding(SECRETS) == []
    # The documents kept by law still name who paid.
    assert Invoice.objects.get(order=jamie_everywhere).buyer["email"] == "jamie@example.com"


def test_an_erased_client_leaves_the_waitlist_and_their_sign_in_links_go(owner, jamie_everywhere):
    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    entry = WaitlistEntry.objects.get()
    assert (entry.status, entry.client_name, entry.client_phone) == (WaitlistStatus.REMOVED, "Erased client", "")
    assert not SignInLink.objects.exists()
    sign_in = Message.objects.get(kind=MessageKind.PORTAL_SIGN_IN)
    assert sign_in.recipient.endswith("@erased.invalid")
    assert not Message.objects.filter(kind=MessageKind.WAITLIST_OFFER, status=MessageStatus.PENDING).exists()


def test_a_retry_of_an_erased_clients_api_booking_still_makes_nothing_twice(owner, coaching, jamie_everywhere):
    """The kept answer loses the client's details but stays: the owner's software sending the
    booking again with its key gets the booking back (erased), not a second booking."""
    client_erase(owner=owner, email="jamie@example.com", by_user=owner)
    bookings = Booking.objects.count()

    again = api_booking(owner, coaching)

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    answer = again.json()
    # As the booking itself now reads (GET /api/v1/bookings/<id>/).
    booking = api_client(key_for(owner)).get(f"/api/v1/bookings/{answer['id']}/").json()
    assert answer["client_name"] == booking["client_name"] == "Erased client"
    assert answer["client_email"] == booking["client_email"] and answer["client_email"].endswith("@erased.invalid")
    assert answer["client_phone"] == booking["client_phone"] == ""
    assert Booking.objects.count() == bookings


def test_another_owners_waitlist_keeps_the_same_email(owner, other_owner, jamie_everywhere):
    theirs = make_meeting_type(other_owner, name="Their workshop", slug="their-workshop", kind=MeetingTypeKind.GROUP,
                               capacity=1, duration_minutes=60)
    WaitlistEntry.objects.create(meeting_type=theirs, start=NINE_AM, client_name="Jamie Rivers",
                                 client_email="jamie@example.com", position=1)

    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    assert WaitlistEntry.objects.get(meeting_type=theirs).client_name == "Jamie Rivers"


def _jamie_orders_and_gives_kim_a_pack(owner, package, webhook_receiver, on_commit, own_phone: str = ""):
    """With a webhook endpoint listening: Jamie orders a pack for themself (with `own_phone`, or
    none), then buys Kim one as a gift, giving their mobile on it; both paid, the gift sent today."""
    endpoint_create(owner=owner, url=webhook_receiver.url, events=EventType.values)
    with on_commit(execute=True):
        paid_order(package, phone=own_phone)
        gift_order = order_create(package=package, client_name="Jamie Rivers", client_email="jamie@example.com",
                                  client_phone="+447700900123", terms_accepted=True, client_timezone="Europe/London",
                                  gift=GiftDetails(recipient_name="Kim Lee", recipient_email="kim@example.com",
                                                   message="Enjoy!", send_on=NOW.date()))
        pay(gift_order)
    gift_order.refresh_from_db()
    return gift_order


def test_a_gift_buyers_details_go_from_what_was_written_while_the_order_was_theirs(
        owner, package, webhook_receiver, django_capture_on_commit_callbacks):
    """Jamie orders for themselves, then gives a pack to Kim: once paid the order is Kim's, but the
    webhook event written when it was placed names Jamie (the owner's endpoint page shows it, Resend
    sends it again), and goes with Jamie's erasure."""
    gift_order = _jamie_orders_and_gives_kim_a_pack(owner, package, webhook_receiver,
                                                    django_capture_on_commit_callbacks, own_phone="+447700900123")
    assert gift_order.client_email == "kim@example.com"  # handed over: the order is Kim's now

    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    assert rows_holding(SECRETS) == []
    assert Delivery.objects.filter(event_type=EventType.ORDER_CREATED, payload__id=gift_order.pk).exists()


def test_a_gift_buyers_phone_given_only_on_the_gift_goes_with_their_erasure(
        owner, package, webhook_receiver, django_capture_on_commit_callbacks):
    """Jamie's own order has no phone; the mobile number they gave when buying Kim a pack is on no row of
    theirs once the order is Kim's (the hand-over blanks it), yet the order.created event written while
    the order was Jamie's and the receipt sent to them carry it: it goes with Jamie's erasure too."""
    gift_order = _jamie_orders_and_gives_kim_a_pack(owner, package, webhook_receiver,
                                                    django_capture_on_commit_callbacks)
    assert gift_order.client_phone == ""  # handed over: the order is Kim's, without Jamie's number
    assert rows_holding(["7700900123"])

    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    assert rows_holding(SECRETS) == []
