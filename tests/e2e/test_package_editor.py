"""The package editor keeps the owner's edits (issue 12, item 10): a warning before unsaved changes of
one section are lost (saving another section, or leaving), each section's "saved" message and errors
in view at that section, and "Add Meeting Type" without a reload (and without JavaScript, no POST
address left in the browser)."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from packages.models import Package
from tests.e2e.data import make_shop
from tests.e2e.helpers import LAPTOP, PHONE, check_page, log_in_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "editor"


class Dialogs:
    """Answers the page's dialogs (confirm, beforeunload) as told, and keeps what they said."""

    def __init__(self, page):
        self.seen: list[tuple[str, str]] = []
        self.accept = False
        page.on("dialog", self._answer)

    def _answer(self, dialog):
        self.seen.append((dialog.type, dialog.message))
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def _open_editor(page, server):
    shop = make_shop()
    log_in_as(page, server, shop.owner)
    edit_url = f"{server}/dashboard/packages/{shop.package.pk}/"
    page.goto(edit_url)
    return shop, edit_url


def test_saving_another_section_warns_before_an_unsaved_rename_is_lost(page, server):
    shop, edit_url = _open_editor(page, server)
    dialogs = Dialogs(page)
    info = page.locator("#package-info")
    payment = page.locator("#payment-preferences")

    info.get_by_label("Package Name").fill("Career pack, renamed")
    expect(info.get_by_text("Unsaved changes")).to_be_visible()
    payment.get_by_label("Package Price").fill("150")

    # Saving Payment Preferences now would drop the rename: the owner is asked, and says Cancel.
    payment.get_by_role("button", name="Save", exact=True).click()
    assert dialogs.seen and dialogs.seen[-1][0] == "confirm"
    assert "unsaved changes in Package Info" in dialogs.seen[-1][1]
    assert page.url == edit_url
    expect(info.get_by_label("Package Name")).to_have_value("Career pack, renamed")
    expect(info.get_by_label("Package Name")).to_be_focused()
    shop.package.refresh_from_db()
    assert shop.package.name == "Career starter pack" and shop.package.price == Decimal("120")

    # Package Info first (the typed price is unsaved too: asked again, the owner lets it go). The
    # page comes back at Package Info, its "saved" message in view.
    dialogs.accept = True
    info.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"#package-info$"))
    saved = page.locator("#package-info").get_by_text("Package Info saved.")
    expect(saved).to_be_in_viewport()
    check_page(page, J, "01-package-info-saved")
    assert "unsaved changes in Payment Preferences" in dialogs.seen[-1][1]
    assert Package.objects.get(pk=shop.package.pk).name == "Career pack, renamed"
    dialogs.accept = False

    # A refused Payment Preferences save opens at that section with its error in view.
    payment = page.locator("#payment-preferences")
    payment.get_by_label("Package Price").fill("-5")
    payment.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"#payment-preferences$"))
    payment = page.locator("#payment-preferences")
    expect(payment.get_by_text("Payment Preferences was not saved.")).to_be_in_viewport()
    expect(payment.get_by_text("The price cannot be negative.")).to_be_in_viewport()
    check_page(page, J, "02-payment-refused")

    # Fixed and saved: its message is in view too, and nothing asked this time.
    before = len(dialogs.seen)
    payment.get_by_label("Package Price").fill("150")
    payment.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/packages/\d+/#payment-preferences$"))
    expect(page.locator("#payment-preferences").get_by_text("Payment Preferences saved.")).to_be_in_viewport()
    assert [kind for kind, _ in dialogs.seen[before:]] == []
    check_page(page, J, "03-payment-saved")
    package = Package.objects.get(pk=shop.package.pk)
    assert (package.name, package.price) == ("Career pack, renamed", Decimal("150"))


def test_leaving_with_unsaved_changes_asks_first(page, server):
    shop, edit_url = _open_editor(page, server)
    dialogs = Dialogs(page)
    page.locator("#package-info").get_by_label("Description/Instruction").fill("A new description")
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Orders").click()
    page.wait_for_timeout(500)
    assert [kind for kind, _ in dialogs.seen] == ["beforeunload"]
    assert page.url == edit_url  # the owner chose to stay
    dialogs.accept = True
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Orders").click()
    page.wait_for_url(re.compile(r"/dashboard/orders/$"))


def test_add_meeting_type_adds_a_row_in_the_page(page, server):
    shop, edit_url = _open_editor(page, server)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    info = page.locator("#package-info")
    info.get_by_label("Package Name").fill("Kept while adding a row")
    rows = info.locator("[data-item-row]")
    expect(rows).to_have_count(2)
    info.get_by_role("button", name="Add Meeting Type").click()
    expect(rows).to_have_count(3)
    assert posts == [] and page.url == edit_url
    expect(page.locator("[name=items-2-meeting_type]")).to_be_focused()
    expect(info.get_by_label("Package Name")).to_have_value("Kept while adding a row")
    check_page(page, J, "04-row-added")

    # The new row saves like the others.
    page.locator("#package-info").locator("[name=items-0-quantity]").fill("3")
    page.locator("[name=items-2-meeting_type]").select_option(str(shop.coaching.pk))
    page.locator("[name=items-2-quantity]").fill("1")
    page.locator("[name=items-0-DELETE]").check()
    page.locator("#package-info").get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"#package-info$"))
    package = Package.objects.get(pk=shop.package.pk)
    assert [(item.meeting_type_id, item.quantity) for item in package.items.all()] == [
        (shop.workshop.pk, 1), (shop.coaching.pk, 1),
    ]


def test_add_meeting_type_without_javascript_ends_on_the_editor_address(browser, server):
    shop = make_shop()
    for viewport in (LAPTOP, PHONE):
        context = browser.new_context(viewport=viewport, java_script_enabled=False, locale="en-US")
        page = context.new_page()
        try:
            log_in_as(page, server, shop.owner)
            edit_url = f"{server}/dashboard/packages/{shop.package.pk}/"
            page.goto(edit_url)
            info = page.locator("#package-info")
            info.get_by_label("Package Name").fill("Typed, not saved")
            info.get_by_role("button", name="Add Meeting Type").click()
            page.wait_for_load_state("load")
            assert page.url == edit_url + "#package-info"  # a GET address: reloading posts nothing
            info = page.locator("#package-info")
            expect(info.locator("[data-item-row]")).to_have_count(3)
            expect(info.get_by_label("Package Name")).to_have_value("Typed, not saved")
            expect(info.get_by_text("A meeting type row is added below.")).to_be_in_viewport()
            assert Package.objects.get(pk=shop.package.pk).name == "Career starter pack"
            screenshot(page, J, f"05-no-js-row-added-{viewport['width']}")
        finally:
            context.close()
