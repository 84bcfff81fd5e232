"""Browser journey: the owner sets the package Policies, then on an order's page reads the credit
ledger, is refused an adjustment that would leave fewer than zero sessions (message next to the
field), and adds a session with a reason; the client sees the policies on the order page."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.data import make_shop, place_paid_order
from tests.e2e.helpers import check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
J = "credits"


def test_the_owner_sets_policies_and_adjusts_an_orders_credits(page, server):
    shop = make_shop()
    log_in_as(page, server, shop.owner)

    page.goto(f"{server}/dashboard/packages/{shop.package.pk}/#policies")
    policies = page.locator("#policies")
    policies.get_by_label("Cancellation window (hours before the start)").fill("-4")
    policies.get_by_role("button", name="Save").click()
    expect(page.locator("#policies .field-errors")).to_have_text("The window cannot be negative: enter 0 for no window.")
    policies = page.locator("#policies")
    policies.get_by_label("Cancellation window (hours before the start)").fill("24")
    policies.get_by_label("N days after purchase").check()
    policies.get_by_label("Number of days").fill("90")
    policies.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Policies saved.")).to_be_visible()
    check_page(page, J, "01-policies")

    order = place_paid_order(shop.package)
    page.goto(f"{server}/dashboard/orders/{order.pk}/")
    expect(page.locator(".ledger-table")).to_contain_text("Purchase")
    form = page.locator(".adjust-form").last
    form.get_by_label("Session", exact=True).select_option(label="Coaching session")
    form.get_by_label("Sessions to add or remove").fill("-5")
    form.get_by_label("Reason").fill("Typo test")
    form.get_by_role("button", name="Save adjustment").click()
    expect(page.locator(".adjust-form .field-errors")).to_have_text("Only 2 sessions left: you can remove at most 2.")
    check_page(page, J, "02-adjustment-refused")

    form = page.locator(".adjust-form").last
    form.get_by_label("Sessions to add or remove").fill("1")
    form.get_by_label("Reason").fill("Make-up session")
    form.get_by_role("button", name="Save adjustment").click()
    expect(page.get_by_text("1 session added to Coaching session.")).to_be_visible()
    expect(page.locator(".ledger-table")).to_contain_text("Make-up session")
    expect(page.get_by_text("3 remaining")).to_be_visible()
    check_page(page, J, "03-ledger", h1=re.compile("Career starter pack"))

    page.goto(f"{server}/orders/{order.token}/")
    expect(page.get_by_text("Cancel at least 24 hours before a session to get it back.")).to_be_visible()
    check_page(page, J, "04-client-policies")
