"""Journey: a client orders a package paid in 3 monthly instalments through the test provider (the
first at checkout), the second instalment fails ("Fail the next instalment", then "Charge the next
instalment now", as the beat task would on its day), booking is refused with the message, the
client pays it with "Pay now", and books a session."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from instalments.models import Instalment, InstalmentStatus
from orders.models import OrderStatus, PackageOrder
from packages.payment_plans import InstalmentAccess, InstalmentInterval
from scheduling.models import Booking
from tests import make_package
from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "payment-plan"
OVERDUE = "A payment of this order is overdue. Pay it from this page to book sessions again."


def statuses(order):
    return list(Instalment.objects.filter(plan__order=order).order_by("number").values_list("status", flat=True))


def test_a_failed_instalment_refuses_booking_until_the_client_pays_it(page, server):
    shop = make_shop()
    make_package(shop.owner, items=[(shop.coaching, 3)], name="Coaching programme", slug="coaching-programme",
                 price=Decimal("90.00"), instalment_count=3, instalment_interval=InstalmentInterval.MONTH,
                 instalment_access=InstalmentAccess.AS_PAID)

    page.goto(f"{server}/casey/packages/coaching-programme/")
    check_page(page, J, "01-package", h1="Coaching programme")
    expect(page.locator(".plan-summary")).to_contain_text("Paid in 3 payments of 30.00 USD, monthly")
    page.get_by_label("Full name").fill("Jamie Client")
    page.get_by_label("Email", exact=True).fill("jamie@example.com")
    page.get_by_role("button", name="Continue to payment · 3 payments").click()
    page.wait_for_url(re.compile(r"/payments/checkout/[^/]+/$"))
    check_page(page, J, "02-checkout", h1="Pay for Coaching programme")
    expect(page.get_by_text("3 payments of 30.00 USD, monthly")).to_be_visible()
    page.get_by_role("button", name="Pay 30.00 USD with Test provider").click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()

    order = PackageOrder.objects.get(title="Coaching programme")
    page.wait_for_url(re.compile(rf"/orders/{order.token}/$"))
    check_page(page, J, "03-order-first-paid", h1="Coaching programme")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert statuses(order) == [InstalmentStatus.PAID, InstalmentStatus.SCHEDULED, InstalmentStatus.SCHEDULED]
    plan = page.locator("#payment-plan")
    expect(plan).to_contain_text("3 payments of 30.00 USD, monthly")
    expect(plan.get_by_role("button", name="Pay the rest now · 60.00 USD")).to_be_visible()

    # The second instalment fails when it is charged.
    plan.get_by_role("button", name="Fail the next instalment").click()
    page.wait_for_load_state("load")
    page.locator("#payment-plan").get_by_role("button", name="Charge the next instalment now").click()
    page.wait_for_load_state("load")
    check_page(page, J, "04-instalment-failed", h1="Coaching programme")
    assert statuses(order) == [InstalmentStatus.PAID, InstalmentStatus.FAILED, InstalmentStatus.SCHEDULED]
    expect(page.get_by_text(OVERDUE)).to_be_visible()
    expect(page.get_by_text("A payment did not go through.", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Schedule Coaching session")).to_have_count(0)

    # Booking is refused with the message, even by its address.
    item = order.items.get()
    page.goto(f"{server}/orders/{order.token}/items/{item.pk}/book/")
    page.wait_for_load_state("load")
    check_page(page, J, "05-booking-refused")
    expect(page.get_by_text(OVERDUE).first).to_be_visible()
    assert not Booking.objects.filter(order_item=item).exists()

    # The client pays it.
    page.goto(f"{server}/orders/{order.token}/")
    page.locator("#payment-plan").get_by_role("button", name=re.compile("^Pay now")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    check_page(page, J, "06-pay-now", h1=re.compile("Test checkout"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    page.wait_for_url(re.compile(rf"/orders/{order.token}/$"))
    check_page(page, J, "07-paid-again", h1="Coaching programme")
    assert statuses(order) == [InstalmentStatus.PAID, InstalmentStatus.PAID, InstalmentStatus.SCHEDULED]
    expect(page.get_by_text(OVERDUE)).to_have_count(0)
    expect(page.locator(".order-item")).to_contain_text("2 remaining")

    # And books.
    page.get_by_role("link", name="Schedule Coaching session").click()
    page.wait_for_url(re.compile(r"/items/\d+/book/"))
    pick_time(page)
    page.get_by_role("button", name="Book this session").click()
    page.wait_for_url(re.compile(r"/orders/[^/]+/(\?[^/]*)?(#just-booked)?$"))
    expect(page.get_by_text("Booked: Coaching session")).to_be_visible()
    check_page(page, J, "08-booked", h1="Coaching programme")
    assert Booking.objects.filter(order_item=item).count() == 1
