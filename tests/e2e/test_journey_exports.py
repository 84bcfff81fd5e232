"""Browser journey: the owner opens "Download as CSV" on the orders page, gives a range that ends
before it starts and reads the message next to the field (no file), then downloads the orders of
the day as a CSV a spreadsheet opens."""
import csv
import io
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.data import make_shop, place_paid_order
from tests.e2e.helpers import check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
J = "exports"


def test_the_owner_downloads_the_orders_of_a_range_after_a_refused_one(page, server):
    shop = make_shop()
    order = place_paid_order(shop.package)
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(shop.owner.timezone))
    log_in_as(page, server, shop.owner)

    page.goto(f"{server}/dashboard/orders/")
    page.get_by_text("Download as CSV").click()
    check_page(page, J, "00-orders-list")
    box = page.locator(".export-box")
    box.get_by_label("From").fill(today.isoformat())
    box.get_by_label("To").fill("2001-01-01")
    box.get_by_role("button", name="Download CSV").click()
    expect(page.locator(".field-errors")).to_have_text("The last day must be on or after the first day.")
    check_page(page, J, "01-range-refused")

    page.get_by_label("To").fill(today.isoformat())
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"orders-{today}-to-{today}.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["Client email"] for row in rows] == [order.client_email]
