"""The dashboard orders list pages with "Older" and "Newer" (keyset links, no page numbers): a
person goes to the older orders and back, with the filter they chose kept."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.data import make_shop, place_paid_order
from tests.e2e.helpers import check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "keyset"


def test_the_orders_list_goes_older_and_newer_keeping_the_filter(page, server):
    shop = make_shop()
    for _ in range(27):
        place_paid_order(shop.package)
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/orders/?status=active")
    check_page(page, J, "01-orders-newest", h1="Orders")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(25)
    expect(page.get_by_role("link", name=re.compile("Newer"))).to_have_count(0)
    page.get_by_role("link", name=re.compile("Older")).click()
    page.wait_for_url(re.compile(r"status=active&after="))
    check_page(page, J, "02-orders-older", h1="Orders")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name=re.compile("Older"))).to_have_count(0)
    page.get_by_role("link", name=re.compile("Newer")).click()
    page.wait_for_url(re.compile(r"status=active&before="))
    expect(rows).to_have_count(25)
