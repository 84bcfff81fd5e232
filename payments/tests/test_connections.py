"""Owner connections (Settings › Payments) and which Payment Mediums an owner can offer."""
from urllib.parse import parse_qs

import pytest
import responses

from payments.connections import available_mediums
from payments.models import PaymentConnection
from payments.tests.helpers import PAYPAL_KEYS, STRIPE_API, STRIPE_KEYS

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_keys(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""


@pytest.fixture
def all_keys(settings):
    for name, value in {**STRIPE_KEYS, **PAYPAL_KEYS}.items():
        setattr(settings, name, value)


def test_without_keys_no_medium_is_available(owner, no_keys, settings):
    settings.TEST_PAYMENTS_ENABLED = False
    assert available_mediums(owner) == []


def test_without_keys_a_local_run_offers_both_through_the_test_provider(owner, no_keys, settings):
    settings.TEST_PAYMENTS_ENABLED = True
    assert available_mediums(owner) == ["stripe", "paypal"]


def test_platform_keys_alone_make_both_available_for_a_single_owner_install(owner, all_keys):
    assert available_mediums(owner) == ["stripe", "paypal"]


def test_a_multi_owner_install_offers_only_what_the_owner_connected(owner, all_keys, settings):
    settings.PAYMENTS_REQUIRE_CONNECTION = True
    assert available_mediums(owner) == []
    PaymentConnection.objects.create(owner=owner, provider="paypal", email="me@biz.example", is_active=True)
    PaymentConnection.objects.create(owner=owner, provider="stripe", account_id="acct_1Half", is_active=False)
    assert available_mediums(owner) == ["paypal"]


def test_the_settings_page_shows_the_payments_section(owner_client, no_keys):
    page = owner_client.get("/dashboard/settings/").content.decode()
    assert 'id="payments-heading">Payments</h2>' in page
    assert "Connect PayPal" in page and '<label for="id_email">PayPal merchant email</label>' in page


def test_owner_connects_and_disconnects_paypal(owner_client, owner):
    response = owner_client.post("/dashboard/payments/connect/paypal/", {"email": "coach@biz.example", "merchant_id": ""})
    assert response.status_code == 302
    connection = PaymentConnection.objects.get(owner=owner, provider="paypal")
    assert connection.email == "coach@biz.example" and connection.is_active
    page = owner_client.get("/dashboard/settings/").content.decode()
    assert "coach@biz.example" in page and "Disconnect PayPal" in page
    owner_client.post("/dashboard/payments/disconnect/paypal/")
    assert not PaymentConnection.objects.filter(owner=owner).exists()


def test_a_bad_paypal_email_is_refused_with_a_message(owner_client, owner):
    response = owner_client.post("/dashboard/payments/connect/paypal/", {"email": "not-an-email"}, follow=True)
    assert "Enter a valid email address" in response.content.decode()
    assert not PaymentConnection.objects.exists()


def test_stripe_connect_creates_an_express_account_and_sends_the_owner_to_onboarding(owner_client, owner, all_keys):
    with responses.RequestsMock() as rsps:
        rsps.post(f"{STRIPE_API}/v1/accounts", json={"id": "acct_1New", "object": "account", "charges_enabled": False})
        rsps.post(f"{STRIPE_API}/v1/account_links", json={"object": "account_link", "url": "https://connect.stripe.com/setup/e/acct_1New/abc"})
        response = owner_client.post("/dashboard/payments/connect/stripe/")
        account_call, link_call = rsps.calls[0].request, rsps.calls[1].request
    assert response["Location"] == "https://connect.stripe.com/setup/e/acct_1New/abc"
    assert parse_qs(account_call.body)["type"] == ["express"]
    assert account_call.headers["Idempotency-Key"] == f"connect-account-{owner.pk}"
    assert parse_qs(link_call.body)["account"] == ["acct_1New"]
    connection = PaymentConnection.objects.get(owner=owner, provider="stripe")
    assert connection.account_id == "acct_1New" and not connection.is_active
    # Back from onboarding: the account is read from Stripe and becomes active once it can charge.
    with responses.RequestsMock() as rsps:
        rsps.get(f"{STRIPE_API}/v1/accounts/acct_1New", json={"id": "acct_1New", "charges_enabled": True, "email": "c@x.example"})
        response = owner_client.get("/dashboard/payments/connect/stripe/return/", follow=True)
    assert "Stripe is connected" in response.content.decode()
    connection.refresh_from_db()
    assert connection.is_active


def test_in_debug_without_keys_an_account_id_can_be_typed(owner_client, owner, no_keys, settings):
    settings.DEBUG = True
    response = owner_client.post("/dashboard/payments/connect/stripe/", {"account_id": "bad id"}, follow=True)
    assert "starts with acct_" in response.content.decode()
    owner_client.post("/dashboard/payments/connect/stripe/", {"account_id": "acct_1TypedIn"})
    assert PaymentConnection.objects.get(owner=owner, provider="stripe").account_id == "acct_1TypedIn"


def test_disconnecting_an_unknown_provider_is_404(owner_client):
    assert owner_client.post("/dashboard/payments/disconnect/bitcoin/").status_code == 404


def test_connection_pages_need_a_login(client):
    assert client.post("/dashboard/payments/connect/paypal/", {"email": "a@b.example"}).status_code == 302
    assert not PaymentConnection.objects.exists()
