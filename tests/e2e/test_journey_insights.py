"""Browser journey: the owner opens Insights from the dashboard menu and sees a year of their
business as charts, each with its numbers in a table beside it, at a phone's and a laptop's width."""
import re

import pytest
from django.db import transaction
from playwright.sync_api import expect

from payments import demo_history
from tests import make_package
from tests.e2e.data import make_shop
from tests.e2e.helpers import PHONE, axe_at_both_widths, check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
J = "insights"


def test_the_owner_reads_a_year_of_business_as_charts_and_tables(page, server):
    shop = make_shop()
    make_package(shop.owner, items=[(shop.coaching, 4)], name="Coaching starter pack", slug="coaching-starter-pack")
    with transaction.atomic():
        assert demo_history.seed(shop.owner) > 0
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/")

    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Insights").click()
    check_page(page, J, "00-insights", h1="Insights")
    expect(page.get_by_role("img", name="Money by month (USD)")).to_be_visible()
    expect(page.get_by_role("img", name="Sessions by week")).to_be_visible()
    expect(page.get_by_role("img", name="Packs sold by month")).to_be_visible()
    expect(page.locator("caption", has_text="Money by month in USD")).to_be_visible()
    expect(page.locator(".stat", has_text="No-show rate").locator(".stat-value")).to_have_text(re.compile(r"^\d+ %$"))
    axe_at_both_widths(page, "insights")

    # On a phone every table shows all its columns: none hides one behind a sideways scroll.
    page.set_viewport_size(PHONE)
    for region in page.get_by_role("region").filter(has=page.locator("table")).all():
        label = region.get_attribute("aria-label")
        scroll_width, client_width = region.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert scroll_width <= client_width, f"{label} is {scroll_width - client_width} px wider than the phone"
