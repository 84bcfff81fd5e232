"""Paid single sessions: the time is held while the client pays, and the booking is confirmed only
once paid (DESIGN rule 11); an abandoned, failed or late payment frees it."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Message, MessageKind, Reminder
from payments.models import Payment, PaymentStatus, Provider
from payments.providers.base import get_provider
from payments.services import payment_confirm, payment_fail, payment_mark_pending
from scheduling.holds import holds_release_expired
from scheduling.models import Booking, BookingStatus
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

pytestmark = pytest.mark.django_db

START = "2026-12-01T15:00:00Z"  # 10:00 in New York, the owner's zone


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def test_provider_only(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True
    settings.PAID_BOOKING_HOLD_MINUTES = 15


@pytest.fixture
def paid_type(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Coaching session", slug="coaching", price=Decimal("90"), currency="USD",
                             payment_medium="stripe", cancel_window_hours=24)


def book_url(owner, meeting_type) -> str:
    return reverse("public:book_meeting", args=[owner.slug, meeting_type.slug])


def details(**overrides) -> dict:
    data = {"client_name": "Cleo Client", "client_email": "cleo@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": START}
    data.update(overrides)
    return data


def hold(client, owner, meeting_type, **overrides):
    return client.post(book_url(owner, meeting_type), details(**overrides))


def nobody_told() -> bool:
    return not Message.objects.exists() and not Reminder.objects.exists()


def offered(client, owner, meeting_type) -> bool:
    page = client.get(book_url(owner, meeting_type) + "?date=2026-12-01&tz=America/New_York").content.decode()
    return "start=2026-12-01T15%3A00%3A00Z" in page or "2026-12-01T15:00:00Z" in page


def test_the_confirm_step_says_the_price_the_hold_and_the_policy_before_paying(client, owner, paid_type):
    page = client.get(book_url(owner, paid_type) + f"?start={START}").content.decode()
    assert "This session costs 90.00 USD, paid online next." in page
    assert "We hold the time for you for 15 minutes while you pay" in page
    assert "Cancel at least 24 hours before the start for a full refund; later, there is no refund." in page
    assert ">Continue to payment</button>" in page


def test_a_client_pays_with_the_test_provider_and_only_then_is_booked(client, owner, paid_type):
    response = hold(client, owner, paid_type)
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.HELD
    assert booking.hold_expires_at == NOW + timedelta(minutes=15)
    assert response["Location"] == f"/payments/session/{booking.token}/"
    assert nobody_told()  # of a hold

    checkout = client.get(response["Location"]).content.decode()
    assert "Coaching session" in checkout and "90.00 USD" in checkout
    assert "We are holding this time for you until" in checkout and "(about 15 minutes)" in checkout
    to_provider = client.post(response["Location"])
    payment = Payment.objects.get(booking=booking)
    assert (payment.provider, payment.amount, payment.currency) == (Provider.TEST, Decimal("90"), "USD")
    assert to_provider["Location"] == f"/payments/test/{payment.token}/"

    paid = client.post(to_provider["Location"], {"action": "pay"}, follow=True)

    assert paid.redirect_chain[-1][0] == f"/bookings/{booking.token}/?booked=1"
    assert "Payment received: 90.00 USD." in paid.content.decode()
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    assert payment.status == PaymentStatus.CONFIRMED and not payment.flagged
    confirmations = Message.objects.filter(booking=booking, kind=MessageKind.BOOKING_CONFIRMED)
    # The client and the owner are told once, now that it is paid.
    assert sorted(confirmations.values_list("recipient", flat=True)) == ["cleo@example.com", "owner@example.com"]


def test_a_held_time_is_offered_to_nobody_else_and_a_direct_post_is_refused(client, owner, paid_type):
    assert offered(client, owner, paid_type)
    hold(client, owner, paid_type)
    assert not offered(client, owner, paid_type)

    response = hold(client, owner, paid_type, client_email="other@example.com")

    assert "That time" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_failed_payment_frees_the_time(client, owner, paid_type):
    hold(client, owner, paid_type)
    booking = Booking.objects.get()
    client.post(f"/payments/session/{booking.token}/")
    payment = Payment.objects.get(booking=booking)

    failed = client.post(f"/payments/test/{payment.token}/", {"action": "fail"}, follow=True).content.decode()

    assert "The test payment failed" in failed and "This time is no longer held for you" in failed
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert offered(client, owner, paid_type)
    assert nobody_told()


def test_an_abandoned_hold_expires_and_the_time_is_offered_again(client, owner, paid_type, frozen_time):
    hold(client, owner, paid_type)
    booking = Booking.objects.get()
    frozen_time.move_to(NOW + timedelta(minutes=15))
    # Free for the slot engine at once, before the periodic task has run.
    assert offered(client, owner, paid_type)
    assert holds_release_expired() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Payment.objects.get(booking=booking).status == PaymentStatus.CANCELED
    assert holds_release_expired() == 0
    assert nobody_told()


def test_a_hold_not_yet_expired_is_left_by_the_task(client, owner, paid_type, frozen_time):
    hold(client, owner, paid_type)
    frozen_time.move_to(NOW + timedelta(minutes=14, seconds=59))
    assert holds_release_expired() == 0
    assert Booking.objects.get().status == BookingStatus.HELD


def test_a_payment_after_the_hold_expired_is_recorded_and_flagged_for_refund(client, owner, paid_type, frozen_time):
    hold(client, owner, paid_type)
    booking = Booking.objects.get()
    client.post(f"/payments/session/{booking.token}/")
    payment = Payment.objects.get(booking=booking)
    frozen_time.move_to(NOW + timedelta(minutes=20))  # the provider was still processing

    payment_confirm(payment_id=payment.pk, amount=Decimal("90"), currency="USD")

    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and payment.flagged
    assert "refund" in payment.flag_reason
    assert booking.status == BookingStatus.CANCELLED
    assert nobody_told()
    page = client.get(f"/payments/return/{payment.token}/").content.decode()
    assert "arrived after the time held for you ran out" in page


def test_a_late_payment_after_the_time_was_taken_by_another_client_is_flagged(client, owner, paid_type, frozen_time):
    hold(client, owner, paid_type)
    first = Booking.objects.get()
    payment = Payment.objects.get(booking=first)
    frozen_time.move_to(NOW + timedelta(minutes=16))
    hold(client, owner, paid_type, client_email="second@example.com")
    second = Booking.objects.exclude(pk=first.pk).get()
    assert second.status == BookingStatus.HELD

    get_provider(Provider.TEST).pay(payment)

    payment.refresh_from_db()
    assert payment.flagged and Booking.objects.get(pk=first.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.HELD


def test_no_way_to_pay_holds_nothing(client, owner, paid_type, settings):
    settings.TEST_PAYMENTS_ENABLED = False
    response = hold(client, owner, paid_type)
    assert "cannot be paid for online right now" in response.content.decode()
    assert not Booking.objects.exists() and not Payment.objects.exists()


def test_each_seat_of_a_paid_group_is_held_and_paid_on_its_own(client, owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    group = make_meeting_type(owner, slug="workshop", kind="group", capacity=2, price=Decimal("25"),
                              payment_medium="stripe")
    hold(client, owner, group, client_email="a@example.com")
    hold(client, owner, group, client_email="b@example.com")
    refused = hold(client, owner, group, client_email="c@example.com")
    assert "That time" in refused.content.decode()
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 2
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal("25"), Decimal("25")]


# --- The meeting type form: a price, its medium and its policy ------------------------------------

def form_data(**overrides) -> dict:
    data = {
        "name": "Coaching session", "slug": "", "kind": "one_on_one", "capacity": "", "duration_minutes": "60",
        "location_kind": "video", "location_details": "", "description": "", "buffer_before_minutes": "0",
        "buffer_after_minutes": "0", "min_notice": "4h", "horizon_days": "60", "slot_step_minutes": "30",
        "price": "90", "currency": "USD", "payment_medium": "stripe", "cancel_window_hours": "24",
    }
    data.update(overrides)
    return data


def test_an_owner_on_pro_sets_a_price_medium_and_policy(client, owner):
    owner.plan = "pro"
    owner.save()
    client.force_login(owner)
    response = client.post("/dashboard/meeting-types/new/", form_data(late_cancel_refund="on"))
    assert response.status_code == 302
    from scheduling.models import MeetingType

    saved = MeetingType.objects.get(owner=owner)
    assert (saved.price, saved.currency, saved.payment_medium) == (Decimal("90.00"), "USD", "stripe")
    assert (saved.cancel_window_hours, saved.late_cancel_refund, saved.is_paid) == (24, True, True)
    edit = client.get(f"/dashboard/meeting-types/{saved.pk}/").content.decode()
    assert 'value="90.00"' in edit


@pytest.mark.parametrize(("price", "message"), [
    ("0", "Enter a price above 0, or leave it empty for a free session."),
    ("-5", "Enter a price above 0, or leave it empty for a free session."),
    ("ninety", "Enter a price such as 90 or 90.00."),
    ("1000000.01", "Enter a price of at most 1,000,000."),
    ("12.345", "USD allows at most 2 decimals."),
])
def test_a_bad_price_is_refused_next_to_the_field_and_nothing_is_saved(owner_client, owner, price, message):
    from scheduling.models import MeetingType

    response = owner_client.post("/dashboard/meeting-types/new/", form_data(price=price))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MeetingType.objects.filter(owner=owner).exists()


def test_a_price_without_a_payment_medium_is_refused(owner_client, owner):
    response = owner_client.post("/dashboard/meeting-types/new/", form_data(payment_medium=""))
    assert "Choose a Payment Medium for a paid session." in response.content.decode()


def test_paypal_in_a_currency_it_does_not_take_is_refused_beside_the_medium(owner_client, owner, settings):
    from scheduling.models import MeetingType

    settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET = "id", "secret"
    response = owner_client.post("/dashboard/meeting-types/new/",
                                 form_data(price="50000", currency="KRW", payment_medium="paypal"))
    assert response.status_code == 200
    assert "PayPal does not take payments in KRW. Choose Stripe, or another currency." in response.content.decode()
    assert not MeetingType.objects.filter(owner=owner).exists()


def test_an_empty_price_is_a_free_session(owner_client, owner):
    from scheduling.models import MeetingType

    owner_client.post("/dashboard/meeting-types/new/", form_data(price="", payment_medium=""))
    saved = MeetingType.objects.get(owner=owner)
    assert saved.price == 0 and not saved.is_paid


def test_on_free_a_price_needs_pro(client, free_owner):
    from scheduling.models import MeetingType

    client.force_login(free_owner)
    page = client.get("/dashboard/meeting-types/new/").content.decode()
    assert "Paid sessions are part of the" in page
    response = client.post("/dashboard/meeting-types/new/", form_data())
    assert "Paid sessions are part of the Pro plan and above." in response.content.decode()
    assert not MeetingType.objects.filter(owner=free_owner).exists()


# --- Receipts, the Payments page and the export ------------------------------------------------

def paid_session(client, owner, meeting_type) -> tuple:
    hold(client, owner, meeting_type)
    booking = Booking.objects.get()
    client.post(f"/payments/session/{booking.token}/")
    payment = Payment.objects.get(booking=booking)
    client.post(f"/payments/test/{payment.token}/", {"action": "pay"})
    booking.refresh_from_db()
    payment.refresh_from_db()
    return booking, payment


def test_the_confirmation_email_carries_the_receipt(client, owner, paid_type):
    from notifications.emails import build_email

    booking, _ = paid_session(client, owner, paid_type)
    message = Message.objects.get(booking=booking, kind=MessageKind.BOOKING_CONFIRMED, recipient="cleo@example.com")
    email = build_email(message)
    assert "Receipt" in email.body and "Amount: 90.00 USD" in email.body and "Paid with: Test provider" in email.body
    assert "90.00 USD" in email.alternatives[0][0]


def test_a_receipt_confirmed_by_a_webhook_writes_the_amount_in_the_clients_language(client, owner, paid_type):
    from notifications.emails import build_email

    owner.page_language = "de"
    owner.save()
    hold(client, owner, paid_type)
    booking = Booking.objects.get()
    client.post(f"/payments/session/{booking.token}/")
    payment = Payment.objects.get(booking=booking)
    # The provider's webhook: no client page, so English is active when the money is confirmed.
    payment_confirm(payment_id=payment.pk, amount=Decimal("90"), currency="USD")

    message = Message.objects.get(booking=booking, kind=MessageKind.BOOKING_CONFIRMED, recipient="cleo@example.com")
    email = build_email(message)
    assert "Betrag: 90,00 $" in email.body and "90.00 USD" not in email.body
    assert "90,00 $" in email.alternatives[0][0]


def test_a_receipt_stored_as_text_before_amounts_were_kept_as_numbers_reads_as_stored(client, owner, paid_type):
    from notifications.emails import build_email

    booking, _ = paid_session(client, owner, paid_type)
    message = Message.objects.get(booking=booking, kind=MessageKind.BOOKING_CONFIRMED, recipient="cleo@example.com")
    message.context = {"receipt": {"amount": "90.00 USD", "paid_with": "Test provider",
                                   "paid_at": message.context["receipt"]["paid_at"]}}
    message.save()
    assert "Amount: 90.00 USD" in build_email(message).body


def test_the_payments_page_and_export_list_session_payments(client, owner, paid_type, other_owner):
    booking, payment = paid_session(client, owner, paid_type)
    client.force_login(owner)
    page = client.get("/dashboard/payments/").content.decode()
    assert "Coaching session on 1 Dec 2026, 10:00" in page and "paid session" in page
    assert f"/dashboard/bookings/{booking.pk}/" in page
    detail = client.get(f"/dashboard/payments/{payment.pk}/").content.decode()
    assert "Session" in detail and "Cleo Client" in detail
    export = client.get("/dashboard/payments/export.csv?date_from=2026-11-01&date_to=2026-12-31")
    text = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "Coaching session on 2026-12-01 10:00" in text and "cleo@example.com" in text
    # Another owner sees none of it.
    client.force_login(other_owner)
    assert "Coaching session" not in client.get("/dashboard/payments/").content.decode()
    assert client.get(f"/dashboard/payments/{payment.pk}/").status_code == 404


def test_the_session_column_of_the_payments_export_names_the_zone_of_its_time(client, owner, paid_type):
    import csv
    import io

    paid_session(client, owner, paid_type)
    client.force_login(owner)
    export = client.get("/dashboard/payments/export.csv?date_from=2026-11-01&date_to=2026-12-31")
    text = b"".join(export.streaming_content).decode().lstrip("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(text)))

    # Like every other time of the export, the session's is the owner's, and its header says so.
    assert row[f"Session ({owner.timezone})"] == "Coaching session on 2026-12-01 10:00"


def test_the_booking_link_of_a_held_session_leads_to_its_checkout(client, owner, paid_type):
    hold(client, owner, paid_type)
    booking = Booking.objects.get()
    response = client.get(f"/bookings/{booking.token}/")
    assert response["Location"] == f"/payments/session/{booking.token}/"


def test_the_pages_of_a_paid_type_cost_no_more_queries_than_a_free_one(
        client, owner, paid_type):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    free = make_meeting_type(owner, name="Intro call", slug="intro")

    def queries(path: str) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    queries(book_url(owner, free))  # the first request of the test (its session, the version keys)
    assert queries(book_url(owner, paid_type)) == queries(book_url(owner, free))
    assert queries(book_url(owner, paid_type) + f"?start={START}") == queries(book_url(owner, free) + f"?start={START}")
    page = client.get(f"/{owner.slug}/").content.decode()
    assert "90.00 USD" in page


def test_a_payment_still_processing_keeps_the_time_held_until_it_clears(client, owner, paid_type, frozen_time):
    """A bank debit (or a PayPal capture under review) is accepted but takes days to arrive: the
    client has paid as far as they know, so the time stays theirs past the usual hold, until the
    session starts; the money then confirms the booking as usual."""
    hold(client, owner, paid_type)
    booking = Booking.objects.get()
    client.post(f"/payments/session/{booking.token}/")
    payment = Payment.objects.get(booking=booking)

    payment_mark_pending(payment_id=payment.pk, provider_payment_id="pi_debit")
    frozen_time.move_to(NOW + timedelta(hours=2))  # the usual hold ran out at 15 minutes; the session is at 3
    released = holds_release_expired()
    still_offered = offered(client, owner, paid_type)
    # No second checkout while the first payment is on its way: the booking's page waits for it.
    again = client.post(f"/payments/session/{booking.token}/")
    assert again.status_code == 302 and again["Location"] == f"/payments/return/{payment.token}/"
    assert Payment.objects.filter(booking=booking).count() == 1
    payment_confirm(payment_id=payment.pk, amount=Decimal("90"), currency="USD")

    assert released == 0 and not still_offered
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert payment.status == PaymentStatus.CONFIRMED and not payment.flagged


def test_a_processing_payment_that_fails_frees_the_time(client, owner, paid_type, frozen_time):
    hold(client, owner, paid_type)
    booking = Booking.objects.get()
    client.post(f"/payments/session/{booking.token}/")
    payment = Payment.objects.get(booking=booking)
    payment_mark_pending(payment_id=payment.pk)
    frozen_time.move_to(NOW + timedelta(hours=1))

    payment_fail(payment_id=payment.pk, reason="The payment failed at Stripe.")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert offered(client, owner, paid_type)
