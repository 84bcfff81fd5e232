"""A client pays for a single session: picks a time of a paid meeting type, gives their details
(the confirm step says the price, the hold and the policy), pays with the test provider and sees
the confirmation; a failed payment first frees the time."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from payments.models import Payment, PaymentStatus
from scheduling.models import Booking, BookingStatus
from tests import make_meeting_type
from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j-paid-session"


def test_client_pays_for_a_single_session_and_gets_the_confirmation(phone_page, server, settings):
    settings.TEST_PAYMENTS_ENABLED = True
    page = phone_page
    shop = make_shop()
    make_meeting_type(shop.owner, name="Single coaching session", slug="single-session", duration_minutes=50,
                      slot_step_minutes=60, min_notice_minutes=0, price=Decimal("90"), currency="USD",
                      payment_medium="stripe", cancel_window_hours=24)

    page.goto(f"{server}/casey/")
    expect(page.locator(".list-card", has_text="Single coaching session")).to_contain_text("90.00 USD")
    page.get_by_role("link", name=re.compile("Single coaching session")).click()
    page.wait_for_url(re.compile(r"/casey/single-session/"))
    pick_time(page)
    check_page(page, J, "01-confirm-step", h1="Single coaching session")
    notice = page.locator(".confirm-notice")
    expect(notice).to_contain_text("This session costs 90.00 USD, paid online next.")
    expect(notice).to_contain_text("Cancel at least 24 hours before the start for a full refund")

    page.get_by_label("Your name").fill("Jamie Client")
    page.get_by_label("Email").fill("jamie@example.com")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/payments/session/[^/]+/$"))
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.HELD
    check_page(page, J, "02-session-checkout", h1="Pay for your session")
    expect(page.get_by_text(re.compile("We are holding this time for you until"))).to_be_visible()

    # A failed payment frees the time; the client picks again.
    page.get_by_role("button", name=re.compile(r"^Pay 90\.00 USD")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name="Fail").click()
    page.wait_for_url(re.compile(r"/payments/session/[^/]+/$"))
    check_page(page, J, "03-payment-failed", h1="Your time is no longer held")
    expect(page.get_by_text(re.compile("This time is no longer held for you"))).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    page.get_by_role("link", name="Pick a time again").click()
    pick_time(page)
    page.get_by_label("Your name").fill("Jamie Client")
    page.get_by_label("Email").fill("jamie@example.com")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/payments/session/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay 90\.00 USD")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    # The return page while the provider has not confirmed yet (a client back too early).
    held = Payment.objects.get(booking__status=BookingStatus.HELD)
    page.goto(f"{server}/payments/return/{held.token}/")
    check_page(page, J, "04-return-processing", h1="Processing your payment…")
    expect(page.get_by_text(re.compile("your booking is confirmed as soon as the payment is"))).to_be_visible()
    page.go_back()
    page.get_by_role("button", name=re.compile(r"^Pay")).click()

    # Back from the provider: the booking, confirmed.
    page.wait_for_url(re.compile(r"/bookings/[^/]+/\?booked=1$"))
    check_page(page, J, "05-confirmed")
    expect(page.get_by_text("Payment received: 90.00 USD.")).to_be_visible()
    paid = Booking.objects.get(status=BookingStatus.CONFIRMED)
    assert Payment.objects.get(booking=paid).status == PaymentStatus.CONFIRMED
    expect(page.get_by_text(re.compile("Cancelling now refunds your payment of 90.00 USD in full|gives no refund"))
           ).to_be_visible()
