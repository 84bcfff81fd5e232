"""The pages of a payment plan: the package editor's fields (bad input next to the field, nothing
saved), the package page and checkout ("3 payments of …"), the client's order page (the schedule,
"Pay now", "Pay the rest now", the test controls) and the owner's order page."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from instalments.models import Instalment, InstalmentStatus
from instalments.services import instalments_charge_due, plan_fail_next_charge
from instalments.tests.conftest import ordered_and_paid, place
from packages.models import Package
from payments.models import Payment, PaymentPurpose, PaymentStatus
from tests import NOW

pytestmark = pytest.mark.django_db

SUMMARY = "3 payments of 33.33 USD (the last 33.34 USD), monthly"


def preferences(**fields):
    data = {"pricing": "paid", "price": "100.00", "currency": "USD", "payment_medium": "stripe", "terms": "",
            "instalment_count": "3", "instalment_interval": "month", "instalment_access": "as_paid"}
    data.update(fields)
    return data


def save_preferences(owner_client, package, **fields):
    return owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]), preferences(**fields))


def test_the_editor_saves_a_payment_plan(owner_client, package):
    Package.objects.filter(pk=package.pk).update(instalment_count=None)
    response = save_preferences(owner_client, package, instalment_count="4", instalment_interval="week")
    assert response.status_code == 302
    package.refresh_from_db()
    assert (package.instalment_count, package.instalment_interval, package.instalment_access) == (4, "week", "as_paid")
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert 'for="id_instalment_count"' in html and "PayPal takes one payment only" in html


@pytest.mark.parametrize(("count", "message"), [
    ("25", "Enter 2 to 24 payments, or leave it empty to be paid in full."),
    ("1", "Enter 2 to 24 payments, or leave it empty to be paid in full."),
    ("0", "Enter 2 to 24 payments, or leave it empty to be paid in full."),
    ("-3", "Enter 2 to 24 payments, or leave it empty to be paid in full."),
    ("three", "Enter a whole number of payments from 2 to 24."),
])
def test_a_number_of_payments_out_of_range_is_refused_next_to_the_field(owner_client, package, count, message):
    response = save_preferences(owner_client, package, instalment_count=count, price="250.00")
    assert response.status_code == 200
    assert response.context["payment_form"].errors["instalment_count"] == [message]
    package.refresh_from_db()
    assert (package.price, package.instalment_count) == (Decimal("100.00"), 3)


def test_paypal_takes_no_payment_plan(owner_client, package):
    response = save_preferences(owner_client, package, payment_medium="paypal")
    assert response.context["payment_form"].errors["instalment_count"] == [
        "PayPal takes one payment only: choose Stripe for a payment plan, or leave this empty."]
    package.refresh_from_db()
    assert package.payment_medium == "stripe"


def test_an_empty_number_is_paid_in_full(owner_client, package):
    save_preferences(owner_client, package, instalment_count="")
    package.refresh_from_db()
    assert package.instalment_count is None


def test_the_package_page_and_checkout_show_the_plan(client, owner, package):
    html = client.get(reverse("public:order_package", args=[owner.slug, package.slug])).content.decode()
    assert f"Paid in {SUMMARY}" in html
    order = place(package)
    html = client.get(reverse("payments:checkout", args=[order.token])).content.decode()
    assert SUMMARY in html
    assert "Pay 33.33 USD with Test provider" in html


def test_the_clients_order_page_shows_the_schedule_and_pay_the_rest(client, package):
    order = ordered_and_paid(package)
    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert "Payment plan" in html and SUMMARY in html
    assert html.count('class="badge badge-paid"') == 1 and html.count('class="badge badge-scheduled"') == 2
    assert "Pay the rest now · 66.67 USD" in html
    assert "Fail the next instalment" in html  # the test provider's control
    # The zone as the booking pages write it, not its database name.
    assert "Dates in America/New York." in html and "America/New_York" not in html


def test_the_order_pages_say_the_first_payment_was_paid_not_the_whole_price(client, owner_client, package):
    """100.00 USD in 3 payments: after checkout 33.33 USD was paid, not 100.00 USD."""
    order = ordered_and_paid(package)
    session = client.session
    session["orders.payment_received"] = order.token  # as the return from checkout leaves it
    session.save()
    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert "Thank you: 33.33 USD was paid" in html and "100.00 USD was paid" not in html
    assert "First payment paid " in html
    owner_html = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "First payment paid " in owner_html


def test_the_test_controls_are_not_shown_without_the_test_provider(client, package, settings):
    order = ordered_and_paid(package)
    settings.TEST_PAYMENTS_ENABLED = False
    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert "Fail the next instalment" not in html
    assert client.post(reverse("instalments:test_fail_next", args=[order.token])).status_code == 404


def test_pay_the_rest_goes_to_one_checkout_and_a_second_click_to_the_same(client, package):
    order = ordered_and_paid(package)
    first = client.post(reverse("instalments:pay_rest", args=[order.token]))
    second = client.post(reverse("instalments:pay_rest", args=[order.token]))
    payment = Payment.objects.get(order=order, purpose=PaymentPurpose.INSTALMENT)
    assert first["Location"] == second["Location"] == f"/payments/test/{payment.token}/"
    response = client.post(first["Location"], {"action": "pay"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/orders/{order.token}/"
    assert not Instalment.objects.filter(plan__order=order).exclude(status=InstalmentStatus.PAID).exists()
    html = response.content.decode()
    assert "Pay the rest now" not in html


def test_a_failed_instalment_is_shown_with_pay_now_and_the_booking_message(client, package, time_machine):
    order = ordered_and_paid(package)
    plan_fail_next_charge(order=order)
    time_machine.move_to(NOW + timedelta(days=32), tick=False)
    instalments_charge_due()
    url = reverse("order_details:detail", args=[order.token])
    html = client.get(url).content.decode()
    assert "A payment did not go through" in html
    assert "A payment of this order is overdue. Pay it from this page to book sessions again." in html
    response = client.post(reverse("instalments:pay", args=[order.token, 2]))
    payment = Payment.objects.get(order=order, purpose=PaymentPurpose.INSTALMENT, status=PaymentStatus.CREATED)
    assert payment.amount == Decimal("33.33")
    client.post(response["Location"], {"action": "pay"})
    html = client.get(url).content.decode()
    assert "A payment did not go through" not in html and "is overdue" not in html


def test_paying_what_is_paid_says_so(client, package):
    order = ordered_and_paid(package)
    response = client.post(reverse("instalments:pay", args=[order.token, 1]), follow=True)
    assert "This payment is paid already." in response.content.decode()
    assert not Payment.objects.filter(order=order, purpose=PaymentPurpose.INSTALMENT).exists()


def test_the_buttons_need_a_post_and_a_real_order(client, package):
    order = ordered_and_paid(package)
    assert client.get(reverse("instalments:pay_rest", args=[order.token])).status_code == 405
    assert client.post(reverse("instalments:pay_rest", args=["x" * 43])).status_code == 404


def test_the_owners_order_page_shows_the_schedule(owner_client, package):
    order = ordered_and_paid(package)
    html = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Payment plan" in html and SUMMARY in html and "sessions available in proportion" in html
    assert "Pay the rest now" not in html


def test_a_closed_order_says_nothing_more_is_charged(client, package):
    from orders.lifecycle import order_cancel

    order = ordered_and_paid(package)
    order_cancel(order=order)
    html = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert "This order is cancelled: nothing more is charged." in html
    plan = html[html.index('id="payment-plan"'):]
    assert "Pay the rest now" not in plan and plan.count('class="badge badge-cancelled"') == 2


def test_a_package_paid_in_instalments_cannot_be_given_as_a_gift(client, owner, package):
    """The gift's order becomes the recipient's: its later instalments (and their reminders when one
    fails) would be asked of the person receiving it, before it is even sent. The page offers no gift,
    and a gift posted anyway (an old page) is refused, with no order placed."""
    from orders.gifts import GiftDetails
    from orders.models import PackageOrder
    from orders.services import PaymentPlanNotGiftable, order_create

    url = f"/{owner.slug}/packages/{package.slug}/"
    assert 'name="gift-is_gift"' not in client.get(url).content.decode()
    response = client.post(url, {"full_name": "Bea Buyer", "email": "bea@example.com",
                                 "client_timezone": "America/New_York", "gift-is_gift": "on",
                                 "gift-recipient_name": "Rita", "gift-recipient_email": "rita@example.com",
                                 "gift-send_on": "2026-12-20"})
    assert response.status_code == 200
    assert "A package paid in instalments cannot be given as a gift" in response.content.decode()
    assert not PackageOrder.objects.exists()
    with pytest.raises(PaymentPlanNotGiftable):
        order_create(package=package, client_name="Bea", client_email="bea@example.com", client_timezone="UTC",
                     gift=GiftDetails(recipient_name="Rita", recipient_email="rita@example.com", message="",
                                      send_on=None))


@pytest.mark.parametrize("language, paid_already, closed", [
    ("de", "Diese Zahlung ist bereits bezahlt.", "Diese Bestellung ist storniert; ihr Ratenplan kann nicht bezahlt werden."),
    ("es", "Este pago ya está hecho.", "Este pedido está cancelado; su plan ya no se puede pagar."),
])
def test_a_payment_refused_on_a_german_or_spanish_order_page_says_why_in_its_language(client, owner, package,
                                                                                      language, paid_already, closed):
    from orders.lifecycle import order_cancel

    owner.page_language = language
    owner.save(update_fields=["page_language"])
    order = ordered_and_paid(package)

    response = client.post(reverse("instalments:pay", args=[order.token, 1]), follow=True)
    assert paid_already in response.content.decode()

    order_cancel(order=order)
    response = client.post(reverse("instalments:pay_rest", args=[order.token]), follow=True)
    assert closed in response.content.decode()
    assert not Payment.objects.filter(order=order, purpose=PaymentPurpose.INSTALMENT).exists()
