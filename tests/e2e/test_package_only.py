"""What is sold is never given away (issue 26, item 1; DESIGN.md rule 11): the owner saves a package
whose meeting type is also Public, the editor offers to make it package-only, one click does; then a
stranger who opens that meeting type's address is sent to the package and cannot book it, not even
with a crafted POST."""
import re

import pytest
from playwright.sync_api import expect

from scheduling.models import Booking, Visibility
from tests import make_meeting_type
from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, log_in_as, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "package-only"


def test_a_stranger_cannot_book_a_package_only_meeting_type(new_page, server):
    shop = make_shop()
    make_meeting_type(shop.owner, name="Intro call", slug="intro", min_notice_minutes=0, slot_step_minutes=60)

    # The owner saves Package Info: the editor says the coaching session is bookable on its own.
    owner = new_page()
    log_in_as(owner, server, shop.owner)
    owner.goto(f"{server}/dashboard/packages/{shop.package.pk}/")
    info = owner.locator("#package-info")
    info.get_by_role("button", name="Save", exact=True).click()
    owner.wait_for_url(re.compile(r"#package-info$"))
    offer = info.locator(".package-only-offer").filter(has_text="Coaching session")
    expect(offer).to_contain_text("Coaching session is also bookable on its own from your booking page.")
    check_page(owner, J, "01-editor-offer")
    shop.coaching.refresh_from_db()
    assert shop.coaching.visibility == Visibility.PUBLIC  # never silently

    offer.get_by_role("button", name="Make Coaching session package-only").click()
    owner.wait_for_url(re.compile(r"#package-info$"))
    expect(info.get_by_text("“Coaching session” is now package-only")).to_be_visible()
    shop.coaching.refresh_from_db()
    assert shop.coaching.visibility == Visibility.PACKAGE_ONLY

    # A stranger: not on the booking page; its address points at the package, with no form.
    stranger = new_page()
    stranger.goto(f"{server}/casey/")
    expect(stranger.get_by_role("link", name=re.compile("Intro call"))).to_be_visible()
    expect(stranger.locator(".mt-list")).not_to_contain_text("Coaching session")
    stranger.goto(f"{server}/casey/coaching-session/")
    check_page(stranger, J, "02-package-only-page", h1="Coaching session")
    expect(stranger.get_by_role("heading", name="This session is booked through a package.")).to_be_visible()
    expect(stranger.get_by_role("link", name=re.compile("Career starter pack"))).to_be_visible()
    assert stranger.locator("form[method=post]").count() == 0
    assert stranger.get_by_role("button", name="Confirm booking").count() == 0

    # A crafted POST: the confirm form of a bookable meeting, its token and all, sent to the
    # package-only address instead. It books nothing.
    stranger.goto(f"{server}/casey/intro/")
    pick_time(stranger)
    stranger.get_by_label("Your name").fill("Sly Stranger")
    stranger.get_by_label("Email").fill("sly@example.com")
    stranger.evaluate("""() => {
        const form = document.querySelector('form[method=post]');
        form.action = '/casey/coaching-session/';
        form.submit();
    }""")
    stranger.wait_for_url(re.compile(r"/casey/coaching-session/$"))
    expect(stranger.get_by_role("heading", name="This session is booked through a package.")).to_be_visible()
    check_page(stranger, J, "03-crafted-post-refused", h1="Coaching session")
    assert not Booking.objects.exists()

    # Through the package's order page, the same meeting is there to be bought.
    stranger.get_by_role("link", name=re.compile("Career starter pack")).click()
    stranger.wait_for_url(re.compile(r"/casey/packages/career-starter-pack/$"))
