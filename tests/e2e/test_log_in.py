"""The one browser test that logs in through the form; the others log in with log_in_as, which
writes the session this log-in writes (checked here) and sets its cookie."""
from importlib import import_module

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.data import OWNER_PASSWORD, make_shop
from tests.e2e.helpers import check_page, log_in, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session(page, server) -> dict:
    key = next(cookie["value"] for cookie in page.context.cookies(server)
               if cookie["name"] == settings.SESSION_COOKIE_NAME)
    return dict(import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).load())


def test_the_owner_logs_in_through_the_form_as_log_in_as_does_it(page, new_page, server):
    shop = make_shop()
    log_in(page, server, email=shop.owner.email, password=OWNER_PASSWORD)
    check_page(page, "log-in", "01-dashboard")
    through_the_form = _session(page, server)

    direct = new_page()
    log_in_as(direct, server, shop.owner)
    direct.goto(f"{server}/dashboard/")
    expect(direct.locator("h1")).to_have_text(page.locator("h1").inner_text())
    assert _session(direct, server) == through_the_form != {}
