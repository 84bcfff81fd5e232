"""Browser journey: an owner whose prices exclude tax (Settings › Invoices: 20 % VAT on top). The
client sees the tax and the total on the package page, on the button, at checkout and on their order
page; they pay the total through the test provider, and their invoice's total is what they paid."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoices.models import Invoice
from invoices.services import invoice_settings_save
from orders.models import PackageOrder
from payments.models import Payment
from tests.e2e.data import QUESTION, make_shop
from tests.e2e.helpers import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
J = "tax-at-checkout"
TAX_LINE = "plus 20 % VAT: 24.00 USD, total 144.00 USD"


def test_the_client_pays_price_plus_vat_and_the_invoice_says_the_same(phone_page, server):
    page = phone_page
    shop = make_shop()
    invoice_settings_save(owner=shop.owner, business_name="Casey Coaching Ltd", address="", tax_id="GB123",
                          tax_rate=Decimal("20"), tax_name="VAT", prices_include_tax=False, number_prefix="INV-",
                          footer="")

    page.goto(f"{server}/casey/packages/career-starter-pack/")
    check_page(page, J, "01-order-page", h1="Career starter pack")
    expect(page.locator(".order-price")).to_contain_text("120.00 USD")
    expect(page.locator(".tax-line")).to_have_text(TAX_LINE)
    expect(page.get_by_role("button", name="Continue to payment · 144.00 USD")).to_be_visible()

    page.get_by_label("First name").fill("Jamie")
    page.get_by_label("Last name").fill("Client")
    page.get_by_label("Email", exact=True).fill("jamie@example.com")
    page.get_by_label("Mobile number").fill("+1 415 555 0100")
    page.get_by_label(QUESTION).fill("Interview practice")
    page.get_by_label("I accept the Payment Terms and Conditions").check()
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_url(re.compile(r"/payments/checkout/[^/]+/$"))
    check_page(page, J, "02-checkout", h1=re.compile("Pay for Career starter pack"))
    expect(page.locator("dl.details")).to_contain_text("VAT 20 %")
    expect(page.locator("dd.price")).to_have_text("144.00 USD")
    page.get_by_role("button", name=re.compile(r"^Pay 144\.00 USD")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()

    order = PackageOrder.objects.get()
    page.wait_for_url(re.compile(rf"/orders/{order.token}/$"))
    check_page(page, J, "03-order-details", h1="Career starter pack")
    expect(page.locator(".payment-received")).to_contain_text("144.00 USD")
    expect(page.locator(".tax-line")).to_have_text(TAX_LINE)
    payment = Payment.objects.get(order=order)
    invoice = Invoice.objects.get(payment=payment)
    assert payment.amount == invoice.total == invoice.amount_paid == Decimal("144.00")

    page.get_by_role("link", name=f"Invoice {invoice.number}").click()
    check_page(page, J, "04-invoice", h1=f"Invoice {invoice.number}")
    expect(page.locator(".invoice-totals")).to_contain_text("144.00")
    expect(page.locator(".invoice-totals")).not_to_contain_text("Amount due")
