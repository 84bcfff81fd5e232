"""Journey: a gift. A client orders a package for a friend to receive tomorrow, pays and lands on the
gift page (not the booking page); the day comes (the send task runs at a travelled clock), the
recipient opens the link from their email and books a session in their own name."""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Gift, OrderStatus, PackageOrder
from orders.tasks import send_gifts
from scheduling.models import Booking
from tests.e2e.data import QUESTION, make_shop
from tests.e2e.helpers import LAPTOP, check_page, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j-gift"
LONDON = ZoneInfo("Europe/London")  # the browsers' zone (tests/e2e/conftest.py)


def test_a_gift_for_tomorrow_is_sent_on_its_day_and_booked_by_its_recipient(phone_page, new_page, server):
    page = phone_page
    make_shop()
    tomorrow = timezone.now().astimezone(LONDON).date() + timedelta(days=1)

    page.goto(f"{server}/casey/packages/career-starter-pack/")
    page.get_by_label("First name").fill("Jamie")
    page.get_by_label("Last name").fill("Buyer")
    page.get_by_label("Email", exact=True).fill("jamie@example.com")
    page.get_by_label("Mobile number").fill("+1 415 555 0100")
    page.get_by_label(QUESTION).fill("A present")
    page.get_by_label("I accept the Payment Terms and Conditions").check()
    # The gift's fields show once it is ticked.
    expect(page.get_by_label("Recipient's name")).to_be_hidden()
    page.get_by_label("This is a gift").check()
    expect(page.get_by_label("Recipient's name")).to_be_visible()
    page.get_by_label("Recipient's name").fill("Robin Friend")
    page.get_by_label("Recipient's email").fill("robin@example.com")
    page.get_by_label("Your message (optional)").fill("Happy birthday, Robin! <3")
    page.get_by_label("Day to send it").fill(tomorrow.isoformat())
    check_page(page, J, "01-order-form-gift", h1="Career starter pack")
    # A day in the past first: refused next to the field, nothing ordered, what was typed kept.
    page.get_by_label("Day to send it").fill((tomorrow - timedelta(days=2)).isoformat())
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_load_state("load")
    expect(page.locator(".field-invalid", has=page.get_by_label("Day to send it"))).to_contain_text(
        "or a later day.")
    assert not PackageOrder.objects.exists()
    expect(page.get_by_label("Recipient's name")).to_have_value("Robin Friend")
    check_page(page, J, "02-order-form-gift-day-refused", h1="Career starter pack")
    page.get_by_label("Day to send it").fill(tomorrow.isoformat())
    page.get_by_role("button", name=re.compile("Continue to payment")).click()

    page.wait_for_url(re.compile(r"/payments/checkout/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay .*120\.00")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()

    # The buyer's gift page: paid, when it goes out, the email can still be corrected.
    gift = Gift.objects.get()
    page.wait_for_url(re.compile(rf"/orders/gifts/{gift.token}/$"))
    check_page(page, J, "03-gift-page", h1="Career starter pack")
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    expect(page.get_by_text(f"We will email Robin Friend their order page on {tomorrow:%A} {tomorrow.day}"))\
        .to_be_visible()
    expect(page.get_by_text("Happy birthday, Robin! <3")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Schedule"))).to_have_count(0)
    assert PackageOrder.objects.get().status == OrderStatus.ACTIVE
    assert [m.to for m in mail.outbox if "robin@example.com" in m.to] == []
    assert any(m.to == ["jamie@example.com"] and f"/orders/gifts/{gift.token}/" in m.body for m in mail.outbox)

    # The day comes: 10:00 in London; the beat task sends it, the recipient opens their email.
    with time_machine.travel(datetime.combine(tomorrow, time(10), LONDON)):
        assert send_gifts() == 1
        gift_email = next(m for m in mail.outbox if m.to == ["robin@example.com"])
        assert gift_email.subject == "A gift for you from Jamie Buyer: Career starter pack"
        link = re.search(r"https?://\S+/orders/[A-Za-z0-9_-]+/", gift_email.body).group(0)
        recipient = new_page(LAPTOP)
        recipient.goto(link)
        check_page(recipient, J, "04-recipient-order-page", h1="Career starter pack")
        expect(recipient.get_by_text("A gift from Jamie Buyer")).to_be_visible()
        recipient.get_by_role("link", name="Schedule Coaching session").click()
        recipient.wait_for_url(re.compile(r"/items/\d+/book/"))
        pick_time(recipient)
        recipient.get_by_role("button", name="Book this session").click()
        recipient.wait_for_url(re.compile(r"/orders/[^/]+/(\?booked=\d+)?(#just-booked)?$"))
        expect(recipient.get_by_text("A confirmation is on its way to robin@example.com")).to_be_visible()

    booking = Booking.objects.get()
    assert (booking.client_name, booking.client_email) == ("Robin Friend", "robin@example.com")
    # The buyer's page says it went out and offers no change any more.
    page.reload()
    expect(page.get_by_text(re.compile("Sent to Robin Friend"))).to_be_visible()
    expect(page.get_by_role("heading", name="Change the recipient's email")).to_have_count(0)
