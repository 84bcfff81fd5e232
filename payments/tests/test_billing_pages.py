"""The pricing page, the Enterprise contact form, Settings › Plan and, without Stripe keys, the
test subscription page and test portal that drive the same plan changes."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.billing_services import subscriptions_review_due
from accounts.models import Subscription
from accounts.plans import Plan
from packages.selectors import get_package_by_slug, package_is_orderable
from tests import make_owner, make_package

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.TEST_BILLING_ENABLED = True
    settings.BILLING_TRIAL_DAYS = 14


@pytest.fixture
def free_client(client, free_owner):
    client.force_login(free_owner)
    return client


def test_the_pricing_page_lists_the_four_plans_with_monthly_and_yearly_prices(client):
    page = client.get("/pricing/").content.decode()

    for name in ("Free", "Pro", "Team", "Enterprise"):
        assert f'id="plan-{name.lower()}">{name}' in page
    assert "$12</strong>" in page and "$120 a year" in page
    assert "$20</strong>" in page and "$200 a year" in page
    assert "Packages (session packs)" in page
    assert 'href="/pricing/enterprise/">Contact us' in page
    assert 'href="/accounts/signup/"' in page  # a visitor signs up first


def test_a_logged_in_owner_gets_upgrade_buttons_on_the_pricing_page(free_client):
    page = free_client.get("/pricing/").content.decode()

    assert "Upgrade to Team — monthly" in page and "Upgrade to Pro — yearly" in page
    assert "Your plan" in page


def test_pricing_is_not_a_booking_link():
    from accounts.models import RESERVED_SLUGS

    assert "pricing" in RESERVED_SLUGS


def test_the_enterprise_form_emails_the_staff(client, settings):
    settings.SALES_EMAIL = ""
    make_owner(email="staff@example.com").__class__.objects.filter(email="staff@example.com").update(is_staff=True)

    response = client.post("/pricing/enterprise/", {
        "name": "Erin Enterprise", "email": "erin@bigco.example", "company": "BigCo", "seats": "250",
        "message": "We need 40 coaches on one account.",
    }, follow=True)

    assert "We will reply to erin@bigco.example" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["staff@example.com"]
    assert "BigCo" in mail.outbox[0].subject
    assert "We need 40 coaches" in mail.outbox[0].body


def test_the_enterprise_form_is_limited_per_network(client, settings):
    """Five enquiries an hour from one IP; the sixth gets the clear 429 page and mails nobody."""
    assert settings.THROTTLES["sales_contact"] == (5, 60 * 60)
    settings.SALES_EMAIL = "sales@example.com"
    enquiry = {"name": "Erin", "email": "erin@bigco.example", "company": "BigCo", "seats": "", "message": "Hi"}
    for _ in range(5):
        assert client.post("/pricing/enterprise/", enquiry).status_code == 302
    refused = client.post("/pricing/enterprise/", enquiry)
    assert refused.status_code == 429 and "Too many attempts from your network" in refused.content.decode()
    assert len(mail.outbox) == 5
    assert client.get("/pricing/enterprise/").status_code == 200  # reading the form is never limited


def test_the_enterprise_form_says_what_is_wrong_next_to_the_field_and_sends_nothing(client):
    response = client.post("/pricing/enterprise/", {"name": "Erin", "email": "not-an-email", "company": "",
                                                    "seats": "0", "message": "Hi"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in page
    assert "Enter a number of people from 1 up." in page
    assert "Enter the name of your company or organisation." in page
    assert 'value="Erin"' in page  # what was typed is kept
    assert mail.outbox == []


def test_the_packages_notice_has_an_upgrade_button(free_client):
    page = free_client.get("/dashboard/packages/").content.decode()

    assert "Packages are part of the Team plan." in page
    assert 'href="/dashboard/settings/plan/">Upgrade</a>' in page


def test_the_plan_page_shows_the_plan_and_upgrade_choices(free_client):
    page = free_client.get("/dashboard/settings/plan/").content.decode()

    assert "You are on the Free plan" in page
    assert "Upgrade to Team — monthly" in page and "Upgrade to Pro — monthly" in page
    assert '<h2 class="section-title">Upgrade</h2>' in page
    assert "Manage billing" not in page


def test_upgrade_without_keys_goes_through_the_test_subscription_page(free_client, free_owner):
    response = free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "team", "interval": "month"})
    assert response["Location"] == "/dashboard/settings/plan/test-checkout/?plan=team&interval=month"

    page = free_client.get(response["Location"]).content.decode()
    assert "Test subscription — no real money" in page
    assert "No card is charged and no money moves." in page

    done = free_client.post("/dashboard/settings/plan/test-checkout/", {"plan": "team", "interval": "month"}, follow=True)

    assert "You are on the Team plan (test subscription, no real money). Your free trial has started." in done.content.decode()
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.TEAM
    subscription = Subscription.objects.get(owner=free_owner)
    assert (subscription.status, subscription.is_test) == ("trialing", True)
    assert subscription.current_period_end - timezone.now() == pytest.approx(timedelta(days=14), abs=timedelta(seconds=5))
    assert "+ Create" in free_client.get("/dashboard/packages/").content.decode()


def test_the_test_page_refuses_a_plan_not_for_sale(free_client, free_owner):
    response = free_client.post("/dashboard/settings/plan/test-checkout/", {"plan": "enterprise", "interval": "month"}, follow=True)

    assert "Choose a plan and how often to pay." in response.content.decode()
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.FREE


def test_the_test_pages_are_off_without_test_billing(free_client, settings):
    settings.TEST_BILLING_ENABLED = False

    assert free_client.get("/dashboard/settings/plan/test-checkout/?plan=team&interval=month").status_code == 404
    assert free_client.get("/dashboard/settings/plan/test-portal/").status_code == 404


def test_the_test_pages_are_off_where_stripe_billing_is_configured_even_in_debug(free_client, free_owner, settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_BILLING_PRICES = {("pro", "month"): "", ("pro", "year"): "",
                                      ("team", "month"): "price_team_month", ("team", "year"): ""}

    checkout = free_client.post("/dashboard/settings/plan/test-checkout/", {"plan": "team", "interval": "month"})
    portal = free_client.get("/dashboard/settings/plan/test-portal/")
    upgrade = free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "pro", "interval": "year"}, follow=True)

    assert (checkout.status_code, portal.status_code) == (404, 404)
    assert "test-checkout" not in upgrade.redirect_chain[-1][0]
    assert "Upgrades are not set up on this site yet" in upgrade.content.decode()
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.FREE and not Subscription.objects.filter(owner=free_owner).exists()


def test_the_test_payment_provider_keeps_its_own_switch(free_client, settings):
    settings.TEST_PAYMENTS_ENABLED = False

    page = free_client.get("/dashboard/settings/plan/test-checkout/?plan=team&interval=month")

    assert page.status_code == 200 and "Test subscription" in page.content.decode()


def test_cancel_in_the_test_portal_keeps_the_plan_until_the_period_ends(free_client, free_owner):
    owner_package = make_package(free_owner)
    free_client.post("/dashboard/settings/plan/test-checkout/", {"plan": "team", "interval": "month"})
    assert free_client.post("/dashboard/settings/plan/manage/")["Location"] == "/dashboard/settings/plan/test-portal/"

    free_client.post("/dashboard/settings/plan/test-portal/", {"action": "cancel"})

    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.TEAM
    page = free_client.get("/dashboard/settings/plan/").content.decode()
    assert "is cancelled. You keep the plan until" in page
    assert package_is_orderable(get_package_by_slug(owner=free_owner, slug=owner_package.slug))

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        subscriptions_review_due()
        free_client.force_login(free_owner)  # the login of 15 days ago has expired
        free_owner.refresh_from_db()
        assert free_owner.plan == Plan.FREE
        assert not package_is_orderable(get_package_by_slug(owner=free_owner, slug=owner_package.slug))
        page = free_client.get("/dashboard/settings/plan/").content.decode()
        assert "You are on the Free plan" in page
        assert "Your Team subscription ended." in page
        assert "Manage billing" not in page and "Upgrade to Team — monthly" in page
        # The ended test subscription can be started again with Upgrade, not resumed.
        resumed = free_client.post("/dashboard/settings/plan/test-portal/", {"action": "resume"}, follow=True)
        assert "This test subscription has ended." in resumed.content.decode()
        free_owner.refresh_from_db()
        assert free_owner.plan == Plan.FREE


def test_a_failed_payment_in_the_test_portal_shows_the_banner_and_paying_clears_it(free_client, free_owner):
    free_client.post("/dashboard/settings/plan/test-checkout/", {"plan": "team", "interval": "year"})

    free_client.post("/dashboard/settings/plan/test-portal/", {"action": "payment_fails"})
    page = free_client.get("/dashboard/").content.decode()
    assert "We could not charge your card." in page
    assert "to keep the Team plan" in page

    free_client.post("/dashboard/settings/plan/test-portal/", {"action": "pay"})
    assert "We could not charge your card." not in free_client.get("/dashboard/").content.decode()


def test_switching_plan_in_the_test_portal_moves_the_plan(free_client, free_owner):
    free_client.post("/dashboard/settings/plan/test-checkout/", {"plan": "team", "interval": "month"})

    free_client.post("/dashboard/settings/plan/test-portal/", {"action": "switch", "plan": "pro"})
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.PRO

    bad = free_client.post("/dashboard/settings/plan/test-portal/", {"action": "switch", "plan": "enterprise"}, follow=True)
    assert "Choose the Pro or Team plan." in bad.content.decode()
    unknown = free_client.post("/dashboard/settings/plan/test-portal/", {"action": "refund-everything"}, follow=True)
    assert "Choose one of the buttons." in unknown.content.decode()
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.PRO


def test_a_plan_set_by_staff_says_so_on_the_plan_page(client, owner):
    from django.core.management import call_command

    call_command("set_plan", owner.email, "enterprise")
    client.force_login(owner)

    page = client.get("/dashboard/settings/plan/").content.decode()

    assert "You are on the Enterprise plan" in page
    assert "Your plan was set by our staff." in page
    assert "Upgrade to Team" not in page and "Upgrade to Pro" not in page  # nothing lower is offered
    assert "Included in your plan." in page
    # Nothing to upgrade to: the cards are headed "Plans", not "Upgrade".
    assert '<h2 class="section-title">Plans</h2>' in page and "Upgrade</h2>" not in page


@pytest.mark.parametrize("others", [0, 6])
def test_plan_page_query_budget(client, django_assert_num_queries, others):
    owner = make_owner(plan=Plan.FREE)
    for _ in range(others):
        other = make_owner()
        Subscription.objects.create(owner=other, status="active", plan="team")
    Subscription.objects.create(owner=owner, status="active", plan="team", stripe_customer_id="cus_1",
                                current_period_end=timezone.now() + timedelta(days=3))
    client.force_login(owner)

    # user, subscription (the session comes from the cache)
    with django_assert_num_queries(2):
        response = client.get("/dashboard/settings/plan/")
    assert response.status_code == 200
