"""Journey 3, the client books the sessions of a paid order: uses up an item, reschedules one
booking, cancels one and gets the credit back. Then the owner edits the package (the order is
unchanged), disables it (it can no longer be ordered, the order still books) and disables a
meeting type (that item says it cannot be scheduled)."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from scheduling.models import Booking, BookingStatus
from tests.e2e.data import make_shop, place_paid_order
from tests.e2e.helpers import PHONE, check_page, log_in_as, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j3-client-sessions"


def _item(page, name: str):
    return page.locator("article.order-item", has=page.get_by_role("heading", name=re.compile(name)))


def _book(page, meeting_type_name: str, step: str | None = None) -> None:
    page.get_by_role("link", name=f"Schedule {meeting_type_name}").click()
    page.wait_for_url(re.compile(r"/items/\d+/book/"))
    if step:
        check_page(page, J, f"{step}-picker", h1=f"Schedule {meeting_type_name}")
    pick_time(page)
    if step:
        check_page(page, J, f"{step}-confirm", h1=f"Schedule {meeting_type_name}")
    page.get_by_role("button", name="Book this session").click()
    page.wait_for_url(re.compile(r"/orders/[^/]+/(\?booked=\d+)?(#just-booked)?$"))
    expect(page.get_by_text(f"Booked: {meeting_type_name}")).to_be_visible()


def test_client_books_reschedules_cancels_and_owner_changes_keep_the_order(page, new_page, server, stripe_offered):
    shop = make_shop()
    order = place_paid_order(shop.package)
    details_url = f"{server}/orders/{order.token}/"

    page.goto(details_url)
    check_page(page, J, "01-order-details", h1="Career starter pack")

    # Book both coaching sessions: the item is used up and its Schedule action is gone.
    _book(page, "Coaching session", step="02")
    check_page(page, J, "04-booked-one", h1="Career starter pack")
    expect(_item(page, "Coaching session")).to_contain_text("1 remaining")
    _book(page, "Coaching session")
    coaching = _item(page, "Coaching session")
    expect(coaching).to_contain_text("Used 2 of 2")
    expect(coaching).to_contain_text("0 remaining")
    expect(coaching).to_contain_text("All sessions used")
    expect(page.get_by_role("link", name="Schedule Coaching session")).to_have_count(0)
    expect(page.get_by_role("link", name="Schedule Group workshop")).to_be_visible()
    check_page(page, J, "05-item-used-up", h1="Career starter pack")
    first, second = Booking.objects.filter(order_item__order=order).order_by("start")
    assert first.status == second.status == BookingStatus.CONFIRMED

    # Reschedule the first booking: it moves and keeps its credit.
    page.get_by_role("link", name="Reschedule or cancel").first.click()
    page.wait_for_url(re.compile(rf"/bookings/{first.token}/$"))
    check_page(page, J, "06-booking", h1="Your booking")
    page.get_by_role("link", name="Reschedule", exact=True).click()
    page.wait_for_url(re.compile(r"/reschedule/"))
    check_page(page, J, "07-reschedule-picker", h1="Reschedule Coaching session")
    pick_time(page, avoid_start_iso=first.start.strftime("%Y-%m-%dT%H:%M"))
    check_page(page, J, "08-reschedule-confirm", h1="Reschedule Coaching session")
    page.get_by_role("button", name="Confirm new time").click()
    page.wait_for_url(re.compile(rf"/bookings/{first.token}/$"))
    expect(page.get_by_text("Your booking was moved.")).to_be_visible()
    moved = Booking.objects.get(pk=first.pk)
    assert moved.status == BookingStatus.CONFIRMED and moved.start != first.start
    page.goto(details_url)
    expect(_item(page, "Coaching session")).to_contain_text("Used 2 of 2")

    # Cancel the second booking: its credit comes back and Schedule returns.
    page.goto(f"{server}/bookings/{second.token}/")
    page.get_by_label("Reason (optional)").fill("A clash at work.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_text("Your booking was cancelled.")).to_be_visible()
    check_page(page, J, "09-booking-cancelled", h1="Cancelled booking")
    page.get_by_role("link", name="Open your package").click()
    page.wait_for_url(details_url)
    coaching = _item(page, "Coaching session")
    expect(coaching).to_contain_text("Used 1 of 2")
    expect(coaching).to_contain_text("1 remaining")
    expect(page.get_by_role("link", name="Schedule Coaching session")).to_be_visible()
    check_page(page, J, "10-credit-back", h1="Career starter pack")
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.CANCELLED

    # The owner edits the package: the order details page does not change.
    page.goto(details_url)
    before = page.locator("main").inner_text()
    owner_page = new_page(PHONE)  # the owner on a phone, this time
    log_in_as(owner_page, server, shop.owner)
    owner_page.goto(f"{server}/dashboard/packages/{shop.package.pk}/")
    info = owner_page.locator("#package-info")
    info.get_by_label("Package Name").fill("Career accelerator pack")
    info.get_by_label("Description/Instruction").fill("Now with more sessions.")
    info.locator("[name=items-0-quantity]").fill("5")
    info.get_by_role("button", name="Save", exact=True).click()
    owner_page.wait_for_load_state("load")
    expect(owner_page.locator("h1")).to_have_text("Career accelerator pack")
    payment = owner_page.locator("#payment-preferences")
    payment.get_by_label("Package Price").fill("300")
    payment.get_by_label("Payment Medium").select_option("stripe")
    payment.get_by_role("button", name="Save", exact=True).click()
    expect(owner_page.get_by_text("Payment Preferences saved.")).to_be_visible()
    check_page(owner_page, J, "11-owner-edited-package", h1="Career accelerator pack")
    shop.package.refresh_from_db()
    assert (shop.package.name, shop.package.price) == ("Career accelerator pack", Decimal("300"))
    page.goto(details_url)
    assert page.locator("main").inner_text() == before
    expect(page.locator("h1")).to_have_text("Career starter pack")

    # The owner disables the package: its order page says so; the order still books.
    owner_page.get_by_role("button", name="Disable", exact=True).click()
    owner_page.wait_for_load_state("load")
    expect(owner_page.locator(".page-header .badge").first).to_have_text("Disabled")
    page.goto(f"{server}/casey/packages/career-starter-pack/")
    expect(page.get_by_text("This package is disabled or deleted")).to_be_visible()
    check_page(page, J, "12-package-disabled")
    page.goto(details_url)
    _book(page, "Group workshop", step="13")
    expect(_item(page, "Group workshop")).to_contain_text("Used 1 of 1")

    # The owner disables the coaching meeting type: that item cannot be scheduled, its count stays.
    owner_page.goto(f"{server}/dashboard/meeting-types/")
    owner_page.get_by_role("button", name="Disable Coaching session").click()
    owner_page.wait_for_load_state("load")
    check_page(owner_page, J, "15-owner-disabled-meeting-type", h1="Meeting Types")
    page.goto(details_url)
    coaching = _item(page, "Coaching session")
    expect(coaching).to_contain_text("This meeting type can no longer be scheduled")
    expect(coaching).to_contain_text("1 remaining")
    expect(page.get_by_role("link", name="Schedule Coaching session")).to_have_count(0)
    check_page(page, J, "16-meeting-type-disabled", h1="Career starter pack")
