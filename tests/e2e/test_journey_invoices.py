"""Browser journey: the owner fills in Settings › Invoices (a tax rate above 100 % is refused beside
the field, nothing saved), a client's order is paid, and the client opens the invoice from their
order page: the printable page, with its PDF link, at phone and laptop width."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoices.models import Invoice, InvoiceSettings
from payments.models import Provider
from payments.services import payment_confirm, payment_start
from tests.e2e.data import make_shop, place_pending_order
from tests.e2e.helpers import LAPTOP, PHONE, check_page, log_in_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
J = "invoices"


def test_the_owner_sets_billing_details_and_the_client_opens_their_invoice(page, server):
    shop = make_shop()
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/settings/")
    page.get_by_role("link", name="Invoices", exact=True).click()
    check_page(page, J, "01-settings", h1="Invoices")
    page.get_by_label("Business name").fill("Casey Coaching Ltd")
    page.get_by_label("Address").fill("1 High Street\nLeeds LS1 1AA")
    page.get_by_label("Tax ID").fill("GB123456789")
    page.get_by_label("Tax rate (%)").fill("120")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-invalid .field-errors")).to_contain_text("A tax rate is at most 100 %.")
    screenshot(page, J, "02-bad-rate")
    assert not InvoiceSettings.objects.exists()

    page.get_by_label("Tax rate (%)").fill("20")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Invoice settings saved.")).to_be_visible()

    order = place_pending_order(shop.package)
    payment = payment_start(order=order, provider=Provider.TEST)
    payment_confirm(payment_id=payment.pk, amount=Decimal("120.00"), currency="USD")
    invoice = Invoice.objects.get()

    page.goto(f"{server}/orders/{order.token}/")
    page.get_by_role("link", name=f"Invoice {invoice.number}").click()
    check_page(page, J, "03-invoice", h1=f"Invoice {invoice.number}")
    expect(page.get_by_text("Casey Coaching Ltd")).to_be_visible()
    expect(page.get_by_text("TEST — made with the test provider, no real money")).to_be_visible()
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        # Nothing wider than the screen: the document fits a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    pdf = page.request.get(server + page.get_by_role("link", name="Download PDF").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
