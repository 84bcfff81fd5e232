"""Journey: a client who lost their order link finds it by email. From the owner's page they follow
"Find my bookings", type their address (in other letter case), open the sign-in link from the
email, see their order with its sessions left and its invoice (which they open), book one from
there and find it among their upcoming sessions; then they sign out."""
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from payments.models import Payment, Provider
from payments.services import payment_confirm
from scheduling.models import Booking, BookingStatus
from tests.e2e.data import make_shop, place_pending_order
from tests.e2e.helpers import check_page, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "portal"


def test_client_finds_their_order_by_email_and_books_a_session(page, server):
    shop = make_shop()
    order = place_pending_order(shop.package)
    payment = Payment.objects.create(order=order, provider=Provider.TEST, amount=order.price, currency=order.currency)
    payment_confirm(payment_id=payment.pk, amount=order.price, currency=order.currency)

    page.goto(f"{server}/{shop.owner.slug}/")
    page.get_by_role("link", name="Find my bookings").click()
    page.wait_for_url(re.compile(r"/my/$"))
    check_page(page, J, "01-find", h1="Find my bookings")

    # Nothing typed: the form says what is wrong beside the field and sends nothing.
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator(".field-errors")).to_contain_text("Enter the email address you ordered or booked with.")
    assert not [message for message in mail.outbox if message.to == ["jamie@example.com"]
                and "sign-in" in message.subject]

    page.get_by_label("Your email address").fill("  Jamie@Example.COM ")
    page.get_by_role("button", name="Email me a sign-in link").click()
    check_page(page, J, "02-sent", h1="Check your email")

    sign_in_email = next(message for message in reversed(mail.outbox) if message.to == ["jamie@example.com"])
    assert sign_in_email.subject == "Your sign-in link: find your bookings"
    page.goto(re.search(r"https?://\S+/my/sign-in/\S+/", sign_in_email.body).group(0))
    check_page(page, J, "03-sign-in", h1="Your bookings are one click away")
    page.get_by_role("button", name="See my bookings").click()
    page.wait_for_url(re.compile(r"/my/$"))
    check_page(page, J, "04-my-bookings", h1="My bookings")
    expect(page.get_by_role("heading", name="With Casey Coach")).to_be_visible()
    expect(page.get_by_text("Coaching session · 2 of 2 left")).to_be_visible()
    expect(page.get_by_text("No sessions coming up.")).to_be_visible()
    expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    page.get_by_role("link", name="Invoice INV-0001", exact=True).click()
    check_page(page, J, "04b-invoice", h1="Invoice INV-0001")
    page.go_back()
    page.wait_for_url(re.compile(r"/my/$"))

    # "Schedule", as the order page names the same step.
    page.get_by_role("link", name="Schedule Coaching session").click()
    page.wait_for_url(re.compile(r"/items/\d+/book/"))
    pick_time(page)
    page.get_by_role("button", name="Book this session").click()
    page.wait_for_url(re.compile(rf"/orders/{order.token}/"))
    booking = Booking.objects.get(order_item__order=order)
    assert booking.status == BookingStatus.CONFIRMED

    page.goto(f"{server}/my/")
    check_page(page, J, "05-booked", h1="My bookings")
    expect(page.get_by_text("Coaching session · 1 of 2 left")).to_be_visible()
    expect(page.locator(f'a[href="/bookings/{booking.token}/reschedule/"]')).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/my/$"))
    expect(page.get_by_text("You are signed out of your bookings on this browser.")).to_be_visible()
    expect(page.get_by_text("Career starter pack")).to_have_count(0)
