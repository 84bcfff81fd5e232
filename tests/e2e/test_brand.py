"""The coach's brand and the first hour in the browser (issue 29, items 1 and 2): the owner sets a
brand colour and a photo in Settings and the client's booking page shows them; a visitor at / sees
the product's own page."""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "brand"


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 700), (15, 118, 110)).save(out, format="JPEG")
    return out.getvalue()


def test_the_owner_brands_their_page_and_the_client_sees_it(page, server):
    shop = make_shop()
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/settings/")

    # A colour white text cannot be read on: refused beside the field, nothing saved.
    page.get_by_label("Brand colour").fill("#ffcc00")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".field-invalid", has=page.get_by_label("Brand colour"))).to_contain_text("4.5:1")
    check_page(page, J, "settings-bad-colour", h1="Settings")

    page.get_by_label("Brand colour").fill("#0f766e")
    page.get_by_label("Business name").fill("Casey Coaching")
    page.get_by_label("Short bio").fill("Career coach. <b>Not bold</b>, just text.")
    page.get_by_label("Photo", exact=True).set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.get_by_role("img", name="Your photo")).to_be_visible()
    # With a photo saved, the field offers "Clear" as the label beside its box, on the same line.
    clear_box, clear_label = page.locator("#photo-clear_id"), page.locator("label[for=photo-clear_id]")
    expect(clear_label).to_have_text("Clear")
    box, label = clear_box.bounding_box(), clear_label.bounding_box()
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6, "'Clear' sits on a line of its own"
    assert label["x"] > box["x"]

    page.goto(f"{server}/casey/")
    check_page(page, J, "booking-page", h1="Casey Coach")
    photo = page.locator(".owner-header img.avatar-photo")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 400  # resized on upload
    expect(page.locator(".owner-header .bio")).to_have_text("Career coach. <b>Not bold</b>, just text.")
    expect(page.locator(".owner-header")).to_contain_text("Casey Coaching")
    # Buttons and links take the brand colour.
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()") == "#0f766e"
    expect(page.locator("footer.public-footer")).not_to_contain_text("Scheduling by")  # Team plan

    page.get_by_role("link", name=re.compile("Coaching session")).first.click()
    check_page(page, J, "book-page")
    expect(page.locator(".booking-summary img.avatar-photo")).to_be_visible()
    expect(page.locator(".booking-summary a").first).to_have_css("color", "rgb(15, 118, 110)")


def test_a_visitor_at_the_root_sees_the_product(page, server):
    page.context.clear_cookies()
    page.goto(f"{server}/")
    check_page(page, J, "landing", h1="Sell session packs. Let clients book the sessions themselves.")
    for plan in ("Free", "Pro", "Team", "Enterprise"):
        expect(page.get_by_role("heading", name=plan, exact=True)).to_be_visible()
    page.get_by_role("link", name="Create your free account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
