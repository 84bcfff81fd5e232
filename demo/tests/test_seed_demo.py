import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from accounts.plans import Plan
from tests import suite_clock

# Django runs tests with DEBUG off; seed_demo is a development command, so these turn it on.


@pytest.fixture(scope="class")
def seeded_twice(django_db_setup, django_db_blocker):
    """seed_demo run twice (it must be idempotent) once for the class, not twice in every test: the
    rows are written in a transaction that stays open while the class's tests run, each in a
    savepoint inside it (pytest-django's `db`), and is rolled back after the last one. At the
    suite's clock, standing still, so every row is dated at or before the tests' "now"."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(DEBUG=True), time_machine.travel(suite_clock(), tick=False):
                call_command("seed_demo")
                call_command("seed_demo")
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

@override_settings(DEBUG=True)
def test_seed_demo_says_how_to_log_in(db, capsys):
    call_command("seed_demo")

    assert "demo@example.com / demo12345" in capsys.readouterr().out


@override_settings(DEBUG=True)
def test_seed_demo_runs_when_someone_signed_up_with_the_link_demo(db, capsys):
    """`make run` seeds the demo at every start: someone who signed up locally as "Demo" took the
    booking link /demo/, and the demo owner's insert stopped the whole command."""
    User.objects.create_user(email="dee@example.com", password="x", display_name="Demo", slug="demo")

    call_command("seed_demo")

    owner = User.objects.get(email="demo@example.com")
    assert owner.slug == "demo-2"
    assert "(booking page /demo-2/)" in capsys.readouterr().out
    assert User.objects.get(email="dee@example.com").slug == "demo"


@override_settings(DEBUG=False)
def test_seed_demo_refuses_to_run_when_debug_is_off(db):
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")

    assert not User.objects.filter(email="demo@example.com").exists()


@pytest.mark.usefixtures("seeded_twice")
class TestTheDemoSeededTwice:
    """Each test sees the demo as two runs of seed_demo leave it (the first test's rows are gone
    before the next: each runs in a savepoint)."""

    @override_settings(DEBUG=True)
    def test_seed_demo_is_idempotent_and_the_demo_owner_can_log_in(self, client, db):
        owners = User.objects.filter(email="demo@example.com")
        assert owners.count() == 1
        demo = owners.get()
        assert demo.plan == Plan.TEAM
        assert demo.slug == "demo"
        assert demo.display_name

        response = client.post(reverse("accounts:login"), {"username": "demo@example.com", "password": "demo12345"})
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard:home")
        assert client.get(reverse("dashboard:home")).status_code == 200

    @override_settings(DEBUG=True, TEST_PAYMENTS_ENABLED=True)
    def test_seed_demo_sells_a_paid_single_session_through_the_test_provider(self, client, db):
        from decimal import Decimal

        from scheduling.models import MeetingType

        session = MeetingType.objects.get(owner__email="demo@example.com", slug="single-coaching-session")
        assert (session.name, session.price, session.currency, session.is_paid) == (
            "Single coaching session", Decimal("90"), "USD", True)
        page = client.get("/demo/").content.decode()
        assert "Single coaching session" in page and "90.00 USD" in page

    @override_settings(DEBUG=True)
    def test_seed_demo_shows_a_partly_refunded_payment_once(self, db):
        from orders.models import CreditLedgerEntry, LedgerReason
        from payments.models import Payment, PaymentStatus, Refund

        payment = Payment.objects.get(status=PaymentStatus.PARTLY_REFUNDED)
        assert payment.client_email == "alex@example.com" and payment.refunded_amount == payment.amount / 2
        assert Refund.objects.filter(payment=payment).count() == 1
        assert CreditLedgerEntry.objects.filter(order_item__order=payment.order, reason=LedgerReason.REFUND).count() == 1

    @override_settings(DEBUG=True)
    def test_seed_demo_brands_the_demo_owners_page(self, client, db):
        from accounts.brand import clean_brand_color

        demo = User.objects.get(email="demo@example.com")
        assert demo.business_name and demo.bio
        assert clean_brand_color(demo.brand_color) == demo.brand_color  # passes the contrast rule
        assert demo.photo and demo.photo.storage.exists(demo.photo.name)
        html = client.get("/demo/").content.decode()
        assert f'src="{demo.photo.url}"' in html and f"--brand: {demo.brand_color}" in html
        assert demo.business_name in html

    @override_settings(DEBUG=True)
    def test_the_demo_booking_page_follows_the_visitors_language(self, client, db):
        assert User.objects.get(email="demo@example.com").page_language == "visitor"
        german = client.get("/demo/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
        assert "Termin buchen" in german and 'class="language-switcher"' in german
        assert "Reservar una reunión" in client.get("/demo/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert "Book a meeting" in client.get("/demo/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
