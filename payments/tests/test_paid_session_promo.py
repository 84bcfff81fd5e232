"""Promo codes on a paid single session: "Apply" on the session checkout shows the new total
without using the code; paying uses it under its lock (promotions.services.promo_redeem) and the
session's Payment is for the discounted total, keeping the code and discount; a total of 0 books
without a provider; the hold running out, a failed payment or a refund gives the use back."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from orders.clients import client_is_new
from payments.booking_payments import session_promo_redeem
from payments.models import Payment, PaymentStatus
from payments.services import payment_mark_refunded
from promotions.models import DiscountKind, PromoCode, PromoRedemption
from promotions.services import PromoCodeRefused, promo_quote, promo_redeem
from scheduling.holds import holds_release_expired
from scheduling.models import Booking, BookingStatus
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, make_package, race, set_weekly_hours

pytestmark = pytest.mark.django_db

START = "2026-12-01T15:00:00Z"


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


def promo(owner, code="SESSION10", **fields) -> PromoCode:
    fields.setdefault("value", Decimal("10"))
    return PromoCode.objects.create(owner=owner, code=code, **fields)


def held(client, owner, meeting_type, email="cleo@example.com", start=START) -> Booking:
    client.post(reverse("public:book_meeting", args=[owner.slug, meeting_type.slug]),
                {"client_name": "Cleo Client", "client_email": email, "client_phone": "",
                 "client_timezone": "America/New_York", "start": start})
    return Booking.objects.get(client_email=email, status=BookingStatus.HELD)


def checkout(booking) -> str:
    return f"/payments/session/{booking.token}/"


def field_error(html: str) -> str:
    marker = '<ul class="errorlist" id="id_promo_code_error"><li>'
    return html.split(marker, 1)[1].split("</li>", 1)[0] if marker in html else ""


def refusal(call) -> str:
    with pytest.raises(PromoCodeRefused) as refused:
        call()
    return refused.value.message


# -- quote and redeem for a meeting type ---------------------------------------------------------


def quote(owner, meeting_type, typed="SESSION10", email="cleo@example.com", currency="USD"):
    return promo_quote(owner_id=owner.pk, code=typed, email=email, amount=Decimal("90"), currency=currency,
                       meeting_type_id=meeting_type.pk, client_is_new=True)


def test_a_code_applies_to_its_meeting_types_and_everything_codes_to_all(owner, paid_type):
    other = make_meeting_type(owner, name="Other", price=Decimal("50"), currency="USD")
    chosen = promo(owner, applies_to_all=False)
    chosen.meeting_types.set([paid_type])
    promo(owner, code="ALL20", value=Decimal("20"))

    assert quote(owner, paid_type).total == Decimal("81.00")
    assert quote(owner, paid_type, typed="all20").total == Decimal("72.00")
    assert refusal(lambda: quote(owner, other)) == "This promo code does not apply to this session."
    package_only = promo(owner, code="PACKONLY", applies_to_all=False)
    package_only.packages.set([make_package(owner)])
    assert refusal(lambda: quote(owner, paid_type, typed="PACKONLY")) == "This promo code does not apply to this session."


def test_an_amount_off_in_another_currency_is_refused(owner, paid_type):
    promo(owner, kind=DiscountKind.AMOUNT, value=Decimal("20"), currency="EUR")

    assert refusal(lambda: quote(owner, paid_type)) == (
        "This promo code is for prices in EUR; this session costs USD.")


def test_a_used_up_or_once_per_client_code_is_refused_at_redeem(owner, paid_type):
    promo(owner, max_uses=1, once_per_client=True)

    def redeem(reference, email):
        with transaction.atomic():
            return promo_redeem(owner_id=owner.pk, code="SESSION10", email=email, amount=Decimal("90"),
                                currency="USD", reference=reference, client_is_new=True,
                                meeting_type_id=paid_type.pk)

    assert redeem("booking:1", "cleo@example.com").total == Decimal("81.00")
    assert refusal(lambda: redeem("booking:2", "cleo@example.com")) == "This promo code has been used up."
    PromoCode.objects.update(max_uses=None)
    assert refusal(lambda: redeem("booking:3", "cleo@example.com")) == "You have already used this promo code."
    assert redeem("booking:4", "dana@example.com").total == Decimal("81.00")


# -- the checkout page ---------------------------------------------------------------------------


def test_apply_with_a_bad_code_says_why_next_to_the_field_and_changes_nothing(client, owner, paid_type):
    booking = held(client, owner, paid_type)

    html = client.post(checkout(booking), {"promo_code": "nope", "apply": "1"}).content.decode()

    assert field_error(html) == "“NOPE” is not a valid promo code."
    assert "Pay 90.00 USD with" in html
    payment = Payment.objects.get(booking=booking)
    assert (payment.amount, payment.promo_code, payment.status) == (Decimal("90"), "", PaymentStatus.CREATED)
    assert not PromoRedemption.objects.exists() and not payment.checkout_url


def test_apply_with_a_good_code_shows_the_new_total_and_uses_nothing(client, owner, paid_type):
    promo(owner)
    booking = held(client, owner, paid_type)

    html = client.post(checkout(booking), {"promo_code": "session10", "apply": "1"}).content.decode()

    assert field_error(html) == ""
    assert "SESSION10 takes 9.00 USD off: you pay 81.00 USD." in html
    assert "Pay 81.00 USD with" in html
    assert not PromoRedemption.objects.exists()
    assert Payment.objects.get(booking=booking).amount == Decimal("90")


def test_paying_with_a_code_charges_the_discounted_total_through_the_test_provider(client, owner, paid_type):
    promo(owner)
    booking = held(client, owner, paid_type)
    assert client_is_new(owner_id=owner.pk, email="Cleo@example.com")

    to_provider = client.post(checkout(booking), {"promo_code": "session10"})
    payment = Payment.objects.get(booking=booking)
    assert (payment.amount, payment.promo_code, payment.discount) == (Decimal("81.00"), "SESSION10", Decimal("9.00"))
    assert to_provider["Location"] == f"/payments/test/{payment.token}/"
    assert PromoRedemption.objects.get().reference == f"booking:{booking.pk}"

    paid = client.post(to_provider["Location"], {"action": "pay"}, follow=True)

    assert "Payment received: 81.00 USD." in paid.content.decode()
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and payment.status == PaymentStatus.CONFIRMED
    assert not payment.flagged
    # A paid session makes the client no longer new (one rule with orders).
    assert not client_is_new(owner_id=owner.pk, email="Cleo@example.com")


def test_a_new_clients_only_code_is_refused_to_a_client_who_paid_a_session(client, owner, paid_type):
    promo(owner, new_clients_only=True)
    first = held(client, owner, paid_type)
    client.post(checkout(first), {"promo_code": "SESSION10"})
    client.post(f"/payments/test/{Payment.objects.get(booking=first).token}/", {"action": "pay"})
    second_type = make_meeting_type(owner, name="Deep dive", slug="deep", price=Decimal("90"), currency="USD",
                                    payment_medium="stripe")
    second = held(client, owner, second_type, start="2026-12-01T17:00:00Z")

    html = client.post(checkout(second), {"promo_code": "SESSION10"}).content.decode()

    assert field_error(html) == "This promo code is for new clients only."
    assert Payment.objects.get(booking=second).amount == Decimal("90")


def test_a_code_bringing_the_total_to_zero_books_without_a_provider(client, owner, paid_type):
    promo(owner, code="FREE", value=Decimal("100"))
    booking = held(client, owner, paid_type)

    response = client.post(checkout(booking), {"promo_code": "free"})

    assert response["Location"] == f"/bookings/{booking.token}/"
    booking.refresh_from_db()
    payment = Payment.objects.get(booking=booking)
    assert booking.status == BookingStatus.CONFIRMED
    assert (payment.status, payment.amount, payment.discount, payment.checkout_url) == (
        PaymentStatus.CONFIRMED, Decimal("0"), Decimal("90.00"), "")


def test_the_hold_running_out_unpaid_gives_the_use_back(client, owner, paid_type, frozen_time):
    code = promo(owner, max_uses=1)
    booking = held(client, owner, paid_type)
    client.post(checkout(booking), {"promo_code": "SESSION10"})
    assert code.redemptions.filter(released_at__isnull=True).count() == 1

    frozen_time.move_to(NOW + timedelta(minutes=15))
    assert holds_release_expired() == 1

    assert code.redemptions.filter(released_at__isnull=True).count() == 0
    assert quote(owner, paid_type).total == Decimal("81.00")  # usable again


def test_a_failed_payment_gives_the_use_back(client, owner, paid_type):
    code = promo(owner)
    booking = held(client, owner, paid_type)
    client.post(checkout(booking), {"promo_code": "SESSION10"})

    client.post(f"/payments/test/{Payment.objects.get(booking=booking).token}/", {"action": "fail"})

    assert code.redemptions.get().released_at is not None


def test_a_refund_gives_the_use_back(client, owner, paid_type):
    code = promo(owner)
    booking = held(client, owner, paid_type)
    client.post(checkout(booking), {"promo_code": "SESSION10"})
    payment = Payment.objects.get(booking=booking)
    client.post(f"/payments/test/{payment.token}/", {"action": "pay"})

    payment_mark_refunded(payment_id=payment.pk, refund_reference="r1")

    assert code.redemptions.get().released_at is not None


def test_the_receipt_payment_page_and_export_show_the_code_and_discount(client, owner, paid_type):
    from notifications.emails import build_email
    from notifications.models import Message, MessageKind

    promo(owner)
    booking = held(client, owner, paid_type)
    client.post(checkout(booking), {"promo_code": "SESSION10"})
    payment = Payment.objects.get(booking=booking)
    client.post(f"/payments/test/{payment.token}/", {"action": "pay"})

    email = build_email(Message.objects.get(booking=booking, kind=MessageKind.BOOKING_CONFIRMED,
                                            recipient="cleo@example.com"))
    assert "Price:  90.00 USD" in email.body and "Promo code SESSION10: −9.00 USD" in email.body
    assert "Amount: 81.00 USD" in email.body
    assert "Promo code SESSION10" in email.alternatives[0][0]
    client.force_login(owner)
    detail = client.get(f"/dashboard/payments/{payment.pk}/").content.decode()
    assert "SESSION10: −9.00 USD" in detail
    export = client.get("/dashboard/payments/export.csv?date_from=2026-11-01&date_to=2026-12-31")
    text = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "81.000" in text or "81.00" in text
    assert ",SESSION10,9.00," in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_session_payments_on_a_code_with_two_uses_left_make_two(client, owner, paid_type):

    promo(owner, max_uses=2)
    starts = ["2026-12-01T15:00:00Z", "2026-12-01T15:30:00Z", "2026-12-01T16:00:00Z", "2026-12-01T16:30:00Z"]
    bookings = [held(client, owner, paid_type, email=f"c{n}@example.com", start=start)
                for n, start in enumerate(starts)]

    done, refusals = race(4, lambda n: session_promo_redeem(booking=bookings[n], code="SESSION10"), PromoCodeRefused)

    assert (done, refusals) == (2, ["This promo code has been used up."] * 2)
    discounted = Payment.objects.filter(booking__in=bookings, promo_code="SESSION10", amount=Decimal("81.00"))
    assert discounted.count() == 2
    assert Payment.objects.filter(booking__in=bookings, promo_code="", amount=Decimal("90")).count() == 2
