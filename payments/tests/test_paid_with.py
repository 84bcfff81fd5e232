"""Payment records agree: the order page, the receipt and Payments name the provider that actually
took the money, and the client who has just paid is told so once, with what comes next."""
import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from accounts.templatetags.text_tags import email_wrap
from orders.models import OrderStatus, PackageOrder
from payments.models import Payment, PaymentStatus, Provider
from scheduling.models import Booking
from tests import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_keys(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def pay_through_test_provider(client, order):
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    response = client.post(f"/payments/test/{payment.token}/", {"action": "pay"}, follow=True)
    return payment, response


def test_a_test_payment_is_not_called_stripe_anywhere(client, owner, django_capture_on_commit_callbacks):
    order = make_order(owner, medium="stripe")
    # The checkout names the provider as the receipt will: one provider, one name.
    checkout = client.get(f"/payments/checkout/{order.token}/").content.decode()
    assert "with Test provider</button>" in checkout and "Test checkout" not in checkout
    with django_capture_on_commit_callbacks(execute=True):
        pay_through_test_provider(client, order)
    order.refresh_from_db()
    assert order.paid_with == "Test provider"

    receipt = next(m for m in mail.outbox if m.to == [order.client_email])
    assert "Paid with: Test provider" in receipt.body and "Stripe" not in receipt.body
    assert "Test provider" in receipt.alternatives[0][0] and "Stripe" not in receipt.alternatives[0][0]

    client.force_login(owner)
    owner_page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "100.00 USD · Test provider" in owner_page and "· Stripe" not in owner_page


def test_payment_received_is_shown_once_with_what_comes_next(client, owner):
    order = make_order(owner)
    _, response = pay_through_test_provider(client, order)
    assert response.redirect_chain[-1][0] == f"/orders/{order.token}/"
    html = response.content.decode()
    assert "Payment received" in html
    assert "book your sessions here" in html
    assert f"We emailed the link to this page to {email_wrap(order.client_email)}" in html
    assert "paid through Test provider" in html
    # The next visit (the emailed link, a reload) is the plain order page.
    assert "Payment received" not in client.get(f"/orders/{order.token}/").content.decode()


def test_payment_received_names_the_provider_in_the_page_language(client, owner):
    owner.page_language = "de"
    owner.save()
    order = make_order(owner)
    _, response = pay_through_test_provider(client, order)
    html = response.content.decode()
    assert "wurden über Testanbieter bezahlt, und Ihre Bestellung ist aktiv." in html
    assert "Test provider" not in html


def test_the_gift_page_names_the_provider_in_the_page_language(client, owner):
    from datetime import date

    import time_machine

    from orders.gifts import GiftDetails
    from orders.services import order_create
    from tests import NOW, make_package

    owner.page_language = "es"
    owner.save()
    with time_machine.travel(NOW, tick=False):
        order = order_create(
            package=make_package(owner), client_name="Bea Buyer", client_email="bea@example.com",
            client_timezone="Europe/London", answers=[], terms_accepted=True,
            gift=GiftDetails(recipient_name="Rory Recipient", recipient_email="rory@example.com", message="",
                             send_on=date(2026, 12, 2)))
        _, response = pay_through_test_provider(client, order)
    assert response.redirect_chain[-1][0].startswith("/orders/gifts/")
    html = response.content.decode()
    assert "a través de Proveedor de prueba." in html and "Test provider" not in html


def test_an_order_page_never_shown_after_a_payment_says_nothing_about_one(client, owner):
    order = make_order(owner, status=OrderStatus.ACTIVE)
    assert "Payment received" not in client.get(f"/orders/{order.token}/").content.decode()


@override_settings(DEBUG=True)
def test_seed_demo_pays_its_order_so_every_page_agrees(client):
    from django.core.management import call_command

    from orders import demo as orders_demo

    call_command("seed_demo")
    call_command("seed_demo")
    owner = User.objects.get(email="demo@example.com")
    order = PackageOrder.objects.get(owner=owner, client_email=orders_demo.DEMO_CLIENT_EMAIL)  # not the history's
    payment = Payment.objects.get(order=order)
    assert (order.status, order.paid_with) == (OrderStatus.ACTIVE, "Test provider")
    assert (payment.provider, payment.status, payment.amount) == (Provider.TEST, PaymentStatus.CONFIRMED, order.price)
    assert Booking.objects.filter(order_item__order=order).count() == 1

    client.force_login(owner)
    payments_page = client.get(reverse("payments_dashboard:list")).content.decode()
    assert "No payments yet" not in payments_page and "Test provider" in payments_page
    order_page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "240.00 USD · Test provider" in order_page and "Stripe" not in order_page


@pytest.mark.django_db(transaction=True)
def test_orders_paid_before_the_migration_name_the_provider_of_their_payment():
    from decimal import Decimal

    from packages.models import Package
    from tests import make_owner
    from tests.migrations import migrate, reset_to_latest

    before = [("orders", "0002_initial"), ("payments", "0002_payment_token_connections")]
    executor = migrate(before)  # on SQLite, a copy of the last rollback to there (tests/migrations.py)
    try:
        old = executor.loader.project_state(before).apps
        OldOrder, OldPayment = old.get_model("orders", "PackageOrder"), old.get_model("payments", "Payment")
        # Neither accounts nor packages is rolled back to go there: their tables are today's.
        owner = make_owner()
        package = Package.objects.create(owner=owner, name="P", slug="p", state="active", price=Decimal("10"),
                                         payment_medium="stripe")

        def order(email):
            return OldOrder.objects.create(owner_id=owner.pk, package_id=package.pk, status="active", client_name="C",
                                           client_email=email, title="T", price=Decimal("10"), currency="USD",
                                           payment_medium="stripe")

        paid_by_test, unpaid = order("a@example.com"), order("b@example.com")
        OldPayment.objects.create(order=paid_by_test, provider="stripe", status="failed", amount=10, currency="USD",
                                  token="t1")
        OldPayment.objects.create(order=paid_by_test, provider="test", status="confirmed", amount=10, currency="USD",
                                  token="t2")
        # Forward through the migration under test only, then back to the latest schema.
        after = [("orders", "0003_paid_with_cancel_reason")]
        NewOrder = migrate(after).loader.project_state(after).apps.get_model("orders", "PackageOrder")
        assert NewOrder.objects.get(pk=paid_by_test.pk).paid_with == "Test provider"
        assert NewOrder.objects.get(pk=unpaid.pk).paid_with == ""
    finally:
        reset_to_latest()


@pytest.mark.django_db(transaction=True)
def test_payments_made_before_the_migration_get_the_owner_of_their_order():
    """payments 0010 copied each payment's owner from its order (the owner's list reads that column)."""
    from tests import make_owner
    from tests.migrations import migrate, reset_to_latest

    owner, other = make_owner(), make_owner()
    mine, theirs = make_order(owner), make_order(other)
    # Only payments 0010 and clients 0002 are rolled back (with the orders in the database).
    before = [("payments", "0009_payment_plans")]
    executor = migrate(before)
    try:
        OldPayment = executor.loader.project_state(before).apps.get_model("payments", "Payment")
        OldPayment.objects.create(order_id=mine.pk, provider="stripe", status="failed", amount=10, currency="USD",
                                  token="t1")
        OldPayment.objects.create(order_id=mine.pk, provider="test", status="confirmed", amount=10, currency="USD",
                                  token="t2")
        OldPayment.objects.create(order_id=theirs.pk, provider="test", status="confirmed", amount=10, currency="USD",
                                  token="t3")
        migrate([("payments", "0010_payment_owner")])
        assert dict(Payment.objects.values_list("token", "owner_id")) == {"t1": owner.pk, "t2": owner.pk, "t3": other.pk}
    finally:
        reset_to_latest()
