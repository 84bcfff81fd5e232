"""Browser journey: the owner opens Orders → New order, is told next to the field that the email is
not valid (nothing created), then issues an order paid outside the app and lands on its page."""
import pytest
from playwright.sync_api import expect

from orders.models import OrderStatus, PackageOrder
from tests.e2e.data import QUESTION, make_shop
from tests.e2e.helpers import check_page, log_in_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
J = "issue-order"


def test_the_owner_issues_an_order_paid_outside_the_app(page, server):
    shop = make_shop()
    log_in_as(page, server, shop.owner)

    page.goto(f"{server}/dashboard/orders/")
    page.get_by_role("link", name="New order").click()
    check_page(page, J, "01-form", h1="New order")
    expect(page.get_by_role("link", name="Orders", exact=True)).to_have_attribute("aria-current", "page")
    page.get_by_label("Package").select_option(label=shop.package.name)
    page.get_by_label("Client name").fill("Robin Client")
    page.get_by_label("Client email").fill("robin@")
    page.get_by_label("Client mobile").fill("+1 415 555 0100")
    page.get_by_label("Paid outside the app (cash, bank transfer)").check()
    page.get_by_label("Note on the payment").fill("Cash at the first session")
    page.get_by_role("button", name="Create order").click()
    expect(page.locator(".field-invalid .field-errors").filter(has_text="Enter a valid email address")).to_be_visible()
    screenshot(page, J, "02-bad-email")
    assert not PackageOrder.objects.exists()

    page.get_by_label("Client email").fill("robin@example.com")
    page.get_by_label(QUESTION).fill("Interview practice")  # the package's invitee question is asked here too
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_text("Robin Client has been sent the confirmation")).to_be_visible()
    order = PackageOrder.objects.get()
    assert order.status == OrderStatus.ACTIVE
    check_page(page, J, "03-order")
