"""The coach makes an API key in Settings › API (a nameless one is refused beside the field), copies
it from the page that shows it once, an integration reads their bookings with it, and "Revoke"
shuts it out. The API reference reads at a phone's width too."""
import re

import pytest
import requests
from playwright.sync_api import expect

from tests import make_owner
from tests.e2e.data import OWNER_PASSWORD
from tests.e2e.helpers import PHONE, axe_at_both_widths, check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j-api"


def assert_no_sideways_scroll_on_a_phone(page) -> None:
    original = page.viewport_size
    page.set_viewport_size(PHONE)
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(original)
    assert wide <= PHONE["width"], f"{page.url} is {wide} px wide at {PHONE['width']} px"


def test_the_coach_makes_uses_and_revokes_an_api_key(page, server):
    owner = make_owner(email="casey@example.com", slug="casey", display_name="Casey Coach", password=OWNER_PASSWORD)

    log_in_as(page, server, owner)
    page.goto(f"{server}/dashboard/settings/")
    page.get_by_role("link", name="API keys").click()
    check_page(page, J, "01-keys", h1="API")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("Name the key, e.g. “CRM sync”, so you can tell your keys apart.")).to_be_visible()
    check_page(page, J, "02-refused", h1="API")

    page.get_by_label("Key name").fill("CRM sync")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("Copy it now: it is shown only this once.")).to_be_visible()
    key = page.get_by_label(re.compile("API key")).input_value()
    check_page(page, J, "03-shown-once", h1="API")
    axe_at_both_widths(page, "Settings › API")
    assert_no_sideways_scroll_on_a_phone(page)

    answer = requests.get(f"{server}/api/v1/bookings/", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["results"] == []

    page.reload()
    expect(page.get_by_text(key)).to_have_count(0)
    page.get_by_role("button", name="Revoke CRM sync").click()
    expect(page.get_by_text("“CRM sync” was revoked")).to_be_visible()
    refused = requests.get(f"{server}/api/v1/bookings/", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"].startswith("application/problem+json")

    page.goto(f"{server}/api/v1/docs/")
    check_page(page, J, "04-docs", h1=re.compile("Leadmonk API"))
    axe_at_both_widths(page, "API reference")
    assert_no_sideways_scroll_on_a_phone(page)
