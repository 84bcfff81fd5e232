"""Journey: a client orders the pack with WELCOME10 (the demo's code: 10 % off, new clients only),
sees the new total after "Apply", pays it through the test provider; a second use by the same
client is refused next to the field; the owner sees the use on Promo Codes."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import OrderStatus, PackageOrder
from payments.models import Payment, PaymentStatus
from promotions import demo as promotions_demo
from tests.e2e.data import QUESTION, make_shop
from tests.e2e.helpers import LAPTOP, check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "promo-code"


def fill_order_form(page) -> None:
    page.get_by_label("First name").fill("Jamie")
    page.get_by_label("Last name").fill("Client")
    page.get_by_label("Email", exact=True).fill("jamie@example.com")
    page.get_by_label("Mobile number").fill("+1 415 555 0100")
    page.get_by_label(QUESTION).fill("Interview practice")
    page.get_by_label("I accept the Payment Terms and Conditions").check()


def test_a_client_orders_with_welcome10_pays_the_discounted_total_and_cannot_use_it_twice(
        phone_page, new_page, server):
    page = phone_page
    shop = make_shop()
    promotions_demo.seed(shop.owner)
    order_page = f"{server}/casey/packages/career-starter-pack/"

    # Apply shows the new total; nothing is ordered yet.
    page.goto(order_page)
    fill_order_form(page)
    page.get_by_label("Promo code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("load")
    check_page(page, J, "01-applied", h1="Career starter pack")
    expect(page.locator(".promo-applied")).to_contain_text("WELCOME10 applied: −12.00 USD. New total: 108.00 USD")
    expect(page.get_by_label("First name")).to_have_value("Jamie")
    assert not PackageOrder.objects.exists()

    # The order at the new total (Enter in a field orders: "Apply" is not the form's default
    # button), paid through the test provider.
    expect(page.get_by_role("button", name="Continue to payment · 108.00 USD")).to_be_visible()
    page.get_by_label("Email", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"/payments/checkout/[^/]+/$"))
    check_page(page, J, "02-checkout", h1=re.compile("Pay for Career starter pack"))
    expect(page.get_by_text("WELCOME10: −12.00 USD")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Pay .*108\.00")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    order = PackageOrder.objects.get()
    page.wait_for_url(re.compile(rf"/orders/{order.token}/$"))
    check_page(page, J, "03-order-details", h1="Career starter pack")
    expect(page.get_by_text("WELCOME10: −12.00 USD off 120.00 USD")).to_be_visible()
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (order.status, order.price, order.discount, order.promo_code) == (
        OrderStatus.ACTIVE, Decimal("108.00"), Decimal("12.00"), "WELCOME10")
    assert (payment.status, payment.amount, payment.promo_code) == (PaymentStatus.CONFIRMED, Decimal("108.00"),
                                                                    "WELCOME10")

    # A second use by the same client is refused next to the field, and nothing is ordered.
    page.goto(order_page)
    fill_order_form(page)
    page.get_by_label("Promo code").fill("WELCOME10")
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_load_state("load")
    check_page(page, J, "04-second-use-refused", h1="Career starter pack")
    expect(page.locator(".promo-field .field-errors")).to_have_text("This promo code is for new clients only.")
    assert PackageOrder.objects.count() == 1

    # The owner sees the use on Promo Codes.
    owner_page = new_page(LAPTOP)
    log_in_as(owner_page, server, shop.owner)
    owner_page.goto(f"{server}/dashboard/promo-codes/")
    check_page(owner_page, J, "05-owner-list", h1="Promo Codes")
    # The actions column's heading is for screen readers: it was printed as "ACTIONS".
    hidden = owner_page.locator("thead .visually-hidden")
    expect(hidden).to_have_text("Actions")
    assert hidden.bounding_box()["width"] <= 1, "the screen-reader heading 'Actions' is printed"
    row = owner_page.locator("tr", has_text="WELCOME10")
    expect(row).to_contain_text("10 % off")
    expect(row).to_contain_text("Everything you sell")
    expect(row.locator("td[data-label=Uses]")).to_have_text("1")
    owner_page.get_by_role("link", name="Edit WELCOME10").click()
    check_page(owner_page, J, "06-owner-edit", h1="Edit WELCOME10")
