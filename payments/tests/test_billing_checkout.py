"""Upgrade through Stripe Checkout (subscription mode) and "Manage billing" through the customer
portal: the real SDK, HTTP mocked with `responses`."""
from urllib.parse import parse_qs

import pytest
import responses
from django.test import Client

from accounts.models import Subscription
from accounts.plans import Plan
from payments.tests.billing_helpers import PRICES, subscription
from payments.tests.helpers import STRIPE_API, STRIPE_KEYS

pytestmark = pytest.mark.django_db

SESSION = {"id": "cs_test_sub", "object": "checkout.session", "mode": "subscription",
           "url": "https://checkout.stripe.com/c/pay/cs_test_sub"}


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    for name, value in {**STRIPE_KEYS, **PRICES}.items():
        setattr(settings, name, value)
    settings.BILLING_TRIAL_DAYS = 14


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mocked:
        yield mocked


@pytest.fixture
def free_client(client, free_owner):
    client.force_login(free_owner)
    return client


def _form(request) -> dict:
    return {key: values[0] for key, values in parse_qs(request.body).items()}


def test_upgrade_opens_checkout_in_subscription_mode_with_the_configured_price_and_trial(free_client, free_owner, rsps):
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json=SESSION)

    response = free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "team", "interval": "year"})

    assert response.status_code == 302
    assert response["Location"] == SESSION["url"]
    sent = rsps.calls[0].request
    form = _form(sent)
    assert form["mode"] == "subscription"
    assert form["line_items[0][price]"] == "price_team_year"
    assert form["line_items[0][quantity]"] == "1"
    assert form["subscription_data[trial_period_days]"] == "14"
    assert form["subscription_data[metadata][owner_id]"] == str(free_owner.pk)
    assert form["client_reference_id"] == str(free_owner.pk)
    assert form["customer_email"] == "free@example.com"
    assert form["success_url"].endswith("/dashboard/settings/plan/return/?session_id={CHECKOUT_SESSION_ID}")
    assert sent.headers["Idempotency-Key"].startswith(f"subscribe-{free_owner.pk}-team-year-first-")
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.FREE  # nothing changes until Stripe says the subscription exists


def test_a_double_click_on_upgrade_creates_one_checkout_session(free_client, rsps):
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json=SESSION)

    first = free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "team", "interval": "month"})
    second = free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "team", "interval": "month"})

    assert first["Location"] == second["Location"] == SESSION["url"]
    keys = {call.request.headers["Idempotency-Key"] for call in rsps.calls}
    # Stripe answers a repeated idempotency key with the session it already created.
    assert len(keys) == 1


def test_a_returning_customer_gets_no_second_trial_and_keeps_their_stripe_customer(free_client, free_owner, rsps):
    Subscription.objects.create(owner=free_owner, stripe_customer_id="cus_9", stripe_subscription_id="sub_old",
                                status="canceled", plan="team", interval="month")
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", json=SESSION)

    free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "pro", "interval": "month"})

    form = _form(rsps.calls[0].request)
    assert form["customer"] == "cus_9"
    assert "customer_email" not in form
    assert "subscription_data[trial_period_days]" not in form
    assert form["line_items[0][price]"] == "price_pro_month"


def test_stripe_unreachable_at_upgrade_shows_a_clear_message(free_client, free_owner, rsps):
    rsps.post(f"{STRIPE_API}/v1/checkout/sessions", body=ConnectionError("no route to host"))

    response = free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "team", "interval": "month"}, follow=True)

    assert response.status_code == 200
    assert "Stripe could not start the upgrade. Your plan has not changed" in response.content.decode()
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.FREE


@pytest.mark.parametrize("data", [{"plan": "enterprise", "interval": "month"}, {"plan": "team", "interval": "week"}, {}])
def test_an_upgrade_to_something_not_for_sale_is_refused_with_a_message(free_client, rsps, data):
    response = free_client.post("/dashboard/settings/plan/upgrade/", data, follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose the Pro or Team plan." in page or "Choose monthly or yearly billing." in page or "Choose a plan." in page
    assert len(rsps.calls) == 0


def test_without_stripe_or_test_billing_upgrade_says_it_is_not_set_up(free_client, settings, rsps):
    settings.STRIPE_SECRET_KEY = ""
    settings.TEST_BILLING_ENABLED = False

    response = free_client.post("/dashboard/settings/plan/upgrade/", {"plan": "team", "interval": "month"}, follow=True)

    assert "Upgrades are not set up on this site yet" in response.content.decode()


def test_an_owner_with_a_subscription_changes_plan_in_the_portal_not_a_second_checkout(client, owner, rsps):
    Subscription.objects.create(owner=owner, stripe_customer_id="cus_1", stripe_subscription_id="sub_1",
                                status="active", plan="team", interval="month")
    client.force_login(owner)

    response = client.post("/dashboard/settings/plan/upgrade/", {"plan": "pro", "interval": "month"}, follow=True)

    assert "change its plan under “Manage billing”" in response.content.decode()
    assert len(rsps.calls) == 0


def test_manage_billing_opens_the_customer_portal(client, owner, rsps):
    Subscription.objects.create(owner=owner, stripe_customer_id="cus_1", stripe_subscription_id="sub_1",
                                status="active", plan="team", interval="month")
    rsps.post(f"{STRIPE_API}/v1/billing_portal/sessions",
              json={"id": "bps_1", "object": "billing_portal.session", "url": "https://billing.stripe.com/p/session/x"})
    client.force_login(owner)

    response = client.post("/dashboard/settings/plan/manage/")

    assert response["Location"] == "https://billing.stripe.com/p/session/x"
    form = _form(rsps.calls[0].request)
    assert form["customer"] == "cus_1"
    assert form["return_url"].endswith("/dashboard/settings/plan/")


def test_portal_unreachable_shows_a_message(client, owner, rsps):
    Subscription.objects.create(owner=owner, stripe_customer_id="cus_1", status="active", plan="team")
    rsps.post(f"{STRIPE_API}/v1/billing_portal/sessions", status=503, json={"error": {"message": "down"}})
    client.force_login(owner)

    response = client.post("/dashboard/settings/plan/manage/", follow=True)

    assert response.status_code == 200
    assert "billing page could not be opened. Please try again" in response.content.decode()


def test_back_from_checkout_the_plan_changes_at_once_read_back_from_stripe(free_client, free_owner, rsps):
    sub = subscription(free_owner, status="trialing", start=1_780_000_000, price="price_team_month")
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/cs_test_sub",
             json={**SESSION, "status": "complete", "client_reference_id": str(free_owner.pk),
                   "customer": "cus_1", "subscription": sub})

    response = free_client.get("/dashboard/settings/plan/return/?session_id=cs_test_sub", follow=True)

    assert "You are on the Team plan." in response.content.decode()
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.TEAM
    assert Subscription.objects.get(owner=free_owner).stripe_customer_id == "cus_1"


def test_another_owners_checkout_session_changes_nothing(free_client, free_owner, other_owner, rsps):
    sub = subscription(other_owner, status="active", start=1_780_000_000)
    rsps.get(f"{STRIPE_API}/v1/checkout/sessions/cs_test_sub",
             json={**SESSION, "status": "complete", "client_reference_id": str(other_owner.pk),
                   "customer": "cus_1", "subscription": sub})

    free_client.get("/dashboard/settings/plan/return/?session_id=cs_test_sub")

    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.FREE
    assert not Subscription.objects.filter(owner=free_owner).exists()


def test_a_malformed_session_id_is_not_sent_to_stripe(free_client, rsps):
    response = free_client.get("/dashboard/settings/plan/return/?session_id=../../v1/customers")

    assert response.status_code == 302
    assert len(rsps.calls) == 0


def test_the_plan_pages_need_a_login():
    client = Client()
    for path in ("/dashboard/settings/plan/", "/dashboard/settings/plan/test-portal/"):
        assert client.get(path)["Location"].startswith("/accounts/login/")
    assert client.post("/dashboard/settings/plan/upgrade/", {"plan": "team", "interval": "month"}).status_code == 302
