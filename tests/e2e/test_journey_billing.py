"""Journey 4, an owner buys the Team plan on their own (test subscription page, no keys), sells a
package, cancels in the test portal; after the paid period the package is no longer orderable but
the client's existing order still books."""
import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.billing_services import subscriptions_review_due
from accounts.models import Subscription, User
from accounts.plans import Plan
from scheduling.models import Booking
from tests import make_meeting_type, make_package, set_weekly_hours
from tests.e2e.data import place_paid_order
from tests.e2e.helpers import check_page, confirm_signup, log_in_as, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j4-billing"
PASSWORD = "a-strong-passphrase-42"


@pytest.fixture
def test_billing(settings):
    """No Stripe keys: Upgrade goes to the test subscription page, as under `make run`."""
    settings.STRIPE_SECRET_KEY = ""
    settings.TEST_BILLING_ENABLED = True
    settings.BILLING_TRIAL_DAYS = 14


def test_owner_upgrades_sells_cancels_and_the_existing_order_still_books(page, server, test_billing):
    # Sign up: every new owner starts on Free.
    page.goto(f"{server}/accounts/signup/")
    page.get_by_label("Your name").fill("Robin Reeves")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    confirm_signup(page, email="robin@example.com")
    owner = User.objects.get(email="robin@example.com")
    assert owner.plan == Plan.FREE

    # Packages shows the plan notice and no "+ Create".
    page.goto(f"{server}/dashboard/packages/")
    check_page(page, J, "01-packages-free", h1="Packages")
    expect(page.get_by_text("Packages are part of the Team plan.")).to_be_visible()
    expect(page.get_by_role("link", name="+ Create")).to_have_count(0)

    # Upgrade → Settings › Plan → Team monthly → the test subscription page.
    page.get_by_role("link", name="Upgrade", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/settings/plan/$"))
    check_page(page, J, "02-plan-free", h1="Plan")
    page.get_by_role("button", name="Upgrade to Team — monthly").click()
    page.wait_for_url(re.compile(r"/test-checkout/"))
    check_page(page, J, "03-test-checkout", h1="Test subscription — no real money")
    expect(page.get_by_text("No card is charged and no money moves.")).to_be_visible()
    page.get_by_role("button", name="Subscribe to Team").click()
    page.wait_for_url(re.compile(r"/dashboard/settings/plan/$"))
    expect(page.get_by_text("You are on the Team plan (test subscription, no real money).")).to_be_visible()
    check_page(page, J, "04-plan-team-trial", h1="Plan")
    owner.refresh_from_db()
    assert owner.plan == Plan.TEAM

    # "+ Create" appears on Packages.
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Packages").click()
    expect(page.get_by_role("link", name="+ Create").first).to_be_visible()
    expect(page.get_by_text("Packages are part of the Team plan.")).to_have_count(0)

    # A package is sold (made with the factories; journey 1 builds one through the pages).
    set_weekly_hours(owner, {weekday: [(time(0), time(0))] for weekday in range(7)})
    coaching = make_meeting_type(owner, name="Coaching session", slug="coaching-session", duration_minutes=45,
                                 slot_step_minutes=60, min_notice_minutes=0, horizon_days=90)
    package = make_package(owner, items=[(coaching, 3)], name="Three sessions", slug="three-sessions",
                           price=Decimal("150.00"), currency="USD", payment_medium="stripe")
    order = place_paid_order(package)
    page.goto(f"{server}/{owner.slug}/packages/three-sessions/")
    expect(page.get_by_text("disabled", exact=False)).to_have_count(0)

    # Cancel in the test portal: the plan stays until the end of the trial period.
    page.goto(f"{server}/dashboard/settings/plan/")
    page.get_by_role("button", name="Manage billing").click()
    page.wait_for_url(re.compile(r"/test-portal/$"))
    check_page(page, J, "05-test-portal", h1="Test billing portal — no real money")
    # A failed payment: the plan is kept for the grace period and every dashboard page says so.
    page.get_by_role("button", name="Simulate a failed payment").click()
    page.goto(f"{server}/dashboard/")
    expect(page.get_by_text("We could not charge your card.")).to_be_visible()
    check_page(page, J, "05b-past-due-banner", h1=re.compile("."))
    owner.refresh_from_db()
    assert owner.plan == Plan.TEAM
    page.get_by_role("link", name="Fix your payment method").click()
    page.get_by_role("button", name="Manage billing").click()
    page.get_by_role("button", name="Update card and pay").click()
    page.goto(f"{server}/dashboard/")
    expect(page.get_by_text("We could not charge your card.")).to_have_count(0)

    page.goto(f"{server}/dashboard/settings/plan/test-portal/")
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.get_by_text("Cancels at period end")).to_be_visible()
    page.goto(f"{server}/dashboard/settings/plan/")
    expect(page.get_by_text("is cancelled. You keep the plan until")).to_be_visible()
    check_page(page, J, "06-plan-cancelled", h1="Plan")
    period_end = Subscription.objects.get(owner=owner).current_period_end

    # After the period: the periodic review moves the owner to Free.
    with time_machine.travel(period_end + timedelta(hours=1)):
        subscriptions_review_due()  # what Celery beat runs every five minutes
        owner.refresh_from_db()
        assert owner.plan == Plan.FREE

        # The client cannot order the package any more: it says it is disabled.
        page.goto(f"{server}/{owner.slug}/packages/three-sessions/")
        expect(page.get_by_text(re.compile("disabled", re.I)).first).to_be_visible()

        # The owner is told why (logging in afresh: the login of two weeks ago may have expired).
        page.context.clear_cookies()
        log_in_as(page, server, owner)
        page.goto(f"{server}/dashboard/packages/")
        check_page(page, J, "07-packages-after-period", h1="Packages")
        expect(page.get_by_text("Packages are part of the Team plan.")).to_be_visible()
        expect(page.get_by_text("Your existing packages are kept but cannot be ordered.")).to_be_visible()

        # The existing order still books a session.
        page.goto(f"{server}/orders/{order.token}/")
        page.get_by_role("link", name="Schedule Coaching session").click()
        page.wait_for_url(re.compile(r"/items/\d+/book/"))
        pick_time(page)
        page.get_by_role("button", name="Book this session").click()
        page.wait_for_url(re.compile(r"/orders/[^/]+/(\?[^/]*)?$"))
        expect(page.get_by_text("Booked: Coaching session")).to_be_visible()
        check_page(page, J, "08-order-still-books", h1="Three sessions")
        booking = Booking.objects.get(order_item__order=order)
        assert booking.start > timezone.now()


def test_a_visitor_compares_plans_and_asks_for_enterprise(page, server, settings):
    settings.SALES_EMAIL = "sales@leadmonk.example"
    page.goto(f"{server}/pricing/")
    check_page(page, J, "20-pricing", h1="Plans and pricing")
    for name in ("Free", "Pro", "Team", "Enterprise"):
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("$20", exact=True)).to_be_visible()

    page.get_by_role("link", name="Contact us").click()
    page.wait_for_url(re.compile(r"/pricing/enterprise/$"))
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    check_page(page, J, "21-enterprise-errors", h1="Enterprise: contact us")
    assert mail.outbox == []

    page.get_by_label("Your name").fill("Erin Enterprise")
    page.get_by_label("Work email").fill("erin@bigco.example")
    page.get_by_label("Company").fill("BigCo")
    page.get_by_label("How many people will use Leadmonk?").fill("120")
    page.get_by_label("What do you need?").fill("One account for our 40 coaches, invoiced yearly.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/pricing/$"))
    expect(page.get_by_text("We will reply to erin@bigco.example")).to_be_visible()
    assert [message.to for message in mail.outbox] == [["sales@leadmonk.example"]]
    assert "40 coaches" in mail.outbox[0].body
