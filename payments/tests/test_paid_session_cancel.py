"""Cancelling a paid single session: the owner refunds in full; a client's cancel follows the
session's policy (window + full or none inside it), said before they confirm."""
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from payments.models import Payment, PaymentStatus, Provider
from payments.providers.base import RefundError, get_provider
from payments.services import payment_refund
from scheduling.holds import booking_hold
from scheduling.models import BookingStatus
from scheduling.services import BookingError
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

pytestmark = pytest.mark.django_db
START = NOW.replace(hour=15)  # three hours from now


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def test_provider_only(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def paid_booking(owner, **policy):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Coaching session", price=Decimal("90"), payment_medium="stripe",
                                     **policy)
    booking = booking_hold(meeting_type=meeting_type, start=START, client_name="Cleo Client",
                           client_email="cleo@example.com")
    payment = Payment.objects.get(booking=booking)
    get_provider(Provider.TEST).pay(payment)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    return booking, payment


def cancel_as_client(client, booking, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/bookings/{booking.token}/cancel/", {"reason": "Something came up"}, follow=True)


def test_outside_the_window_the_page_says_full_refund_and_the_cancel_refunds(
        client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=2)
    page = client.get(f"/bookings/{booking.token}/").content.decode()
    assert "Cancelling now refunds your payment of 90.00 USD in full." in page

    cancel_as_client(client, booking, django_capture_on_commit_callbacks)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_reference == f"test-refund-{payment.pk}"


def test_inside_the_window_with_no_refund_the_page_says_so_and_the_money_is_kept(
        client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=24)
    page = client.get(f"/bookings/{booking.token}/").content.decode()
    assert "cancelling now gives no refund of your payment of 90.00 USD" in page

    cancel_as_client(client, booking, django_capture_on_commit_callbacks)

    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert payment.status == PaymentStatus.CONFIRMED and not payment.flagged


def test_inside_the_window_with_a_full_refund_policy_the_cancel_refunds(
        client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=24, late_cancel_refund=True)
    cancel_as_client(client, booking, django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def test_the_policy_booked_is_kept_when_the_type_changes_later(client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=2)
    booking.meeting_type.cancel_window_hours = 48
    booking.meeting_type.price = Decimal("200")
    booking.meeting_type.save()
    page = client.get(f"/bookings/{booking.token}/").content.decode()
    assert "refunds your payment of 90.00 USD in full" in page
    cancel_as_client(client, booking, django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def test_the_owner_cancelling_refunds_in_full_even_inside_the_window(
        client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=24)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dashboard/bookings/{booking.pk}/cancel/", {"reason": "I am ill"})
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert payment.status == PaymentStatus.REFUNDED


def test_after_a_partial_refund_the_page_names_what_is_left_to_refund(client, owner):
    booking, payment = paid_booking(owner, cancel_window_hours=2)
    payment.refresh_from_db()
    payment_refund(payment=payment, by_owner=owner, amount=Decimal("30"), idempotency_key="part-1")
    page = client.get(f"/bookings/{booking.token}/").content.decode()
    assert "Cancelling now refunds the rest of your payment: 60.00 USD." in page
    assert "90.00 USD in full" not in page


def test_the_refund_of_a_cancelled_session_emails_the_client_how_much_with_its_credit_note(
        client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=24)
    client.force_login(owner)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dashboard/bookings/{booking.pk}/cancel/", {"reason": "I am ill"})

    # As an order's: the cancellation first, then the refund (made once the cancel committed).
    cancelled, refunded = [email for email in mail.outbox if email.to == ["cleo@example.com"]]
    assert cancelled.subject.startswith("Cancelled: Coaching session")
    assert refunded.subject == "Your payment was refunded: Coaching session"
    assert "refunded your payment for Coaching session" in refunded.body and "in full" in refunded.body
    assert "Refunded now: 90.00 USD" in refunded.body and "Still paid" not in refunded.body
    assert f"/bookings/{booking.token}/" in refunded.body
    assert [name for name, _, _ in refunded.attachments] == ["CN-0001.pdf"]


def test_the_refund_email_of_a_session_speaks_the_client_language(
        client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=24)
    booking.client_language = "de"
    booking.save(update_fields=["client_language"])
    client.force_login(owner)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dashboard/bookings/{booking.pk}/cancel/", {"reason": "I am ill"})
    refunded = [email for email in mail.outbox if email.to == ["cleo@example.com"]][-1]
    assert refunded.subject == "Ihre Zahlung wurde erstattet: Coaching session"
    assert "vollständig erstattet" in refunded.body


def test_a_refund_that_fails_flags_the_payment_for_the_owner(
        client, owner, django_capture_on_commit_callbacks, monkeypatch):
    booking, payment = paid_booking(owner, cancel_window_hours=2)

    def refuse(self, payment, **_):
        raise RefundError("The provider refused.")

    monkeypatch.setattr(type(get_provider(Provider.TEST)), "refund", refuse)
    cancel_as_client(client, booking, django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED and payment.flagged
    assert "refund it" in payment.flag_reason


def test_inside_a_no_refund_window_the_client_cannot_dodge_it_by_moving_the_session(client, owner):
    booking, _ = paid_booking(owner, cancel_window_hours=24)
    page = client.get(f"/bookings/{booking.token}/").content.decode()
    assert "inside its cancellation window, so it can no longer be moved online" in page
    from scheduling.services import booking_reschedule

    with pytest.raises(BookingError, match="cancellation window"):
        booking_reschedule(booking=booking, new_start=START.replace(day=2), now=NOW)
    booking.refresh_from_db()
    assert booking.start == START


def test_outside_the_window_the_client_may_move_a_paid_session(client, owner):
    booking, _ = paid_booking(owner, cancel_window_hours=2)
    from scheduling.services import booking_reschedule

    moved = booking_reschedule(booking=booking, new_start=START.replace(day=2), now=NOW)
    assert moved.start == START.replace(day=2)


def test_the_owner_making_the_type_free_later_does_not_let_the_client_dodge_the_window(
        client, owner, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(owner, cancel_window_hours=24)
    booking.meeting_type.price = Decimal("0")  # the session was sold for 90 under a no-refund window
    booking.meeting_type.save()
    from scheduling.services import booking_reschedule

    with pytest.raises(BookingError, match="cancellation window"):
        booking_reschedule(booking=booking, new_start=START.replace(day=3), now=NOW)
    cancel_as_client(client, booking, django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED
