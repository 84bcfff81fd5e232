"""Journey: a client subscribes to a monthly membership (test provider) from the owner's page,
books a session, the owner renews the period ("Renew now", test provider) and the client's balance
follows the package's rule (roll over up to 1: the one unused session stays, two more come); the
client cancels and sees until when the membership runs. The owner's Members page shows them."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from memberships.models import MembershipStatus, PackageMembership
from orders.models import PackageOrder
from packages.models import BillingInterval, RenewalRule
from tests import make_package
from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, log_in_as, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "membership"


def _coaching(page):
    return page.locator("article.order-item", has=page.get_by_role("heading", name=re.compile("Coaching session")))


def test_client_subscribes_books_and_the_renewal_follows_the_rule(page, server):
    shop = make_shop()
    make_package(shop.owner, items=[(shop.coaching, 2)], name="Monthly coaching", slug="monthly-coaching",
                 description="Two coaching sessions every month.", price=Decimal("60.00"), currency="USD",
                 payment_medium="stripe", billing_interval=BillingInterval.MONTH, billing_interval_count=1,
                 renewal_rule=RenewalRule.ROLLOVER, rollover_cap=1)

    # Subscribe: the order page says how often it is billed; the test provider takes the payment.
    page.goto(f"{server}/casey/packages/monthly-coaching/")
    check_page(page, J, "01-order-page", h1="Monthly coaching")
    expect(page.locator(".order-price")).to_contain_text("60.00 USD a month")
    page.get_by_label("Full name").fill("Mia Member")
    page.get_by_label("Email", exact=True).fill("mia@example.com")
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_url(re.compile(r"/payments/checkout/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay .*60\.00")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    order = PackageOrder.objects.get()
    page.wait_for_url(re.compile(rf"/orders/{order.token}/$"))
    check_page(page, J, "02-subscribed", h1="Monthly coaching")
    expect(page.get_by_role("heading", name="Your membership")).to_be_visible()
    expect(page.locator("#membership")).to_contain_text("renews on")
    expect(_coaching(page)).to_contain_text("2 remaining")

    # Book one session of the period.
    page.get_by_role("link", name="Schedule Coaching session").click()
    page.wait_for_url(re.compile(r"/items/\d+/book/"))
    pick_time(page)
    page.get_by_role("button", name="Book this session").click()
    page.wait_for_url(re.compile(r"/orders/[^/]+/(\?booked=\d+)?(#just-booked)?$"))
    check_page(page, J, "03-booked", h1="Monthly coaching")
    expect(_coaching(page)).to_contain_text("1 remaining")

    # The owner renews the period from the order page (test provider).
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/orders/{order.pk}/")
    check_page(page, J, "04-owner-order", h1=re.compile("Monthly coaching"))
    page.get_by_role("button", name="Renew now").click()
    expect(page.get_by_text("Renewed: Mia Member's new period has started.")).to_be_visible()
    check_page(page, J, "05-renewed", h1=re.compile("Monthly coaching"))
    assert PackageMembership.objects.get().periods.count() == 2

    page.goto(f"{server}/dashboard/members/")
    check_page(page, J, "06-members", h1="Members")
    expect(page.get_by_text("60.00 USD", exact=False).first).to_be_visible()
    expect(page.locator("table")).to_contain_text("Mia Member")

    # Roll over up to 1: the unused session stays and the period's two are added.
    page.goto(f"{server}/orders/{order.token}/")
    expect(_coaching(page)).to_contain_text("3 remaining")
    check_page(page, J, "07-balance-after-renewal", h1="Monthly coaching")

    # The client cancels: the membership runs to the end of the period and says so.
    page.get_by_role("button", name="Cancel membership").click()
    expect(page.get_by_text(re.compile(r"Your membership cancels on \d+ \w+ \d{4}"))).to_be_visible()
    check_page(page, J, "08-cancelling", h1="Monthly coaching")
    membership = PackageMembership.objects.get()
    assert membership.status == MembershipStatus.ACTIVE and membership.cancels
