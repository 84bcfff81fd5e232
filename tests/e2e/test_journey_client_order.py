"""Journey 2, the client: from the owner's personal booking page to a paid order. Bad input
first (no mobile, a bad email, terms not accepted), then the order, a failed payment, a paid one
through the test provider, and the order details page with every session remaining."""
import re

import pytest
from playwright.sync_api import expect

from orders.models import OrderStatus, PackageOrder
from tests.e2e.data import QUESTION, make_shop
from tests.e2e.helpers import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j2-client-order"


def test_client_orders_and_pays_for_a_package(phone_page, server):
    page = phone_page
    make_shop()

    # The personal booking page lists the package.
    page.goto(f"{server}/casey/")
    check_page(page, J, "01-owner-page")
    page.get_by_role("link", name=re.compile("Career starter pack")).click()
    page.wait_for_url(re.compile(r"/casey/packages/career-starter-pack/$"))
    check_page(page, J, "02-order-page", h1="Career starter pack")
    expect(page.locator(".order-price")).to_contain_text("120.00")
    expect(page.get_by_text("No refunds after the first session.")).to_be_visible()

    # Bad input: no mobile number, a bad email, the terms not accepted.
    page.get_by_label("First name").fill("Jamie")
    page.get_by_label("Last name").fill("Client")
    page.get_by_label("Email", exact=True).fill("jamie-at-example")
    page.get_by_label(QUESTION).fill("Interview practice")
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_load_state("load")
    check_page(page, J, "03-order-errors", h1="Career starter pack")
    errors = page.locator(".field-errors")
    expect(page.locator(".field-invalid", has=page.get_by_label("Email", exact=True))).to_contain_text("valid email")
    expect(page.locator(".field-invalid", has=page.get_by_label("Mobile number"))).to_contain_text("Enter your mobile number")
    expect(errors.filter(has_text="Accept the Payment Terms and Conditions")).to_be_visible()
    assert not PackageOrder.objects.exists()
    # What was typed is kept.
    expect(page.get_by_label("First name")).to_have_value("Jamie")
    expect(page.get_by_label(QUESTION)).to_have_value("Interview practice")

    # The order, then the test provider's checkout.
    page.get_by_label("Email", exact=True).fill("jamie@example.com")
    page.get_by_label("Mobile number").fill("+1 415 555 0100")
    page.get_by_label("I accept the Payment Terms and Conditions").check()
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_url(re.compile(r"/payments/checkout/[^/]+/$"))
    order = PackageOrder.objects.get()
    assert (order.status, order.client_name, order.client_phone) == (
        OrderStatus.PENDING_PAYMENT, "Jamie Client", "+14155550100"
    )
    check_page(page, J, "04-checkout", h1=re.compile("Pay for Career starter pack"))
    page.get_by_role("button", name=re.compile(r"^Pay .*120\.00")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    check_page(page, J, "05-test-provider", h1=re.compile("Test checkout"))

    # A failed payment first: the client is told and can try again.
    page.get_by_role("button", name="Fail").click()
    page.wait_for_url(re.compile(r"/payments/checkout/[^/]+/$"))
    check_page(page, J, "06-payment-failed", h1=re.compile("Pay for Career starter pack"))
    expect(page.get_by_text("The test payment failed. Nothing was charged.")).to_be_visible()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT

    page.get_by_role("button", name=re.compile(r"^Pay .*120\.00")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()

    # The order details page: paid, every session remaining, each item schedulable.
    page.wait_for_url(re.compile(rf"/orders/{order.token}/$"))
    check_page(page, J, "07-order-details", h1="Career starter pack")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    expect(page.locator(".order-header .badge")).to_have_text("Active")
    items = page.locator("article.order-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Coaching session")
    expect(items.nth(0)).to_contain_text("Used 0 of 2")
    expect(items.nth(0)).to_contain_text("2 remaining")
    expect(items.nth(1)).to_contain_text("Group workshop")
    expect(items.nth(1)).to_contain_text("Used 0 of 1")
    expect(items.nth(1)).to_contain_text("1 remaining")
    expect(page.get_by_role("link", name="Schedule Coaching session")).to_be_visible()
    expect(page.get_by_role("link", name="Schedule Group workshop")).to_be_visible()
    expect(page.get_by_text("No sessions booked yet.")).to_be_visible()

    # Told once that the payment went through, with what comes next; gone on the next visit.
    received = page.locator(".payment-received")
    expect(received.get_by_role("heading", name="Payment received")).to_be_visible()
    expect(received).to_contain_text("paid through Test provider")
    expect(received).to_contain_text("book your sessions here")
    expect(received).to_contain_text("We emailed the link to this page to jamie@example.com")
    assert order.paid_with == "Test provider"
    page.reload()
    expect(page.get_by_role("heading", name="Payment received")).to_have_count(0)
    expect(page.get_by_role("link", name="Schedule Coaching session")).to_be_visible()
