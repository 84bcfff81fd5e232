"""Journey 4, cancelling paid orders: the owner cancels one without a refund (Payments flags it
"Needs refund", the client sees no credits left and "Not refunded"), then refunds it from the
order page; a second order is cancelled with "Refund the payment" ticked in one go."""
import re

import pytest
from playwright.sync_api import expect

from orders.models import OrderStatus, PackageOrder
from payments import services as payments
from payments.models import Payment, PaymentStatus, Provider
from tests.e2e.data import make_shop
from tests.e2e.helpers import PHONE, check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j4-cancel-refund"


def paid_through_test_provider(package, *, email: str) -> PackageOrder:
    from orders.services import order_create
    from packages.models import QuestionKind
    from tests.e2e.data import QUESTION

    order = order_create(
        package=package, client_name="Jamie Client", client_first_name="Jamie", client_last_name="Client",
        client_email=email, client_phone="+14155550100", client_timezone="Europe/London",
        answers=[{"question": QUESTION, "kind": QuestionKind.SHORT_TEXT, "answer": "Interview practice"}],
        terms_accepted=True,
    )
    payment = payments.payment_start(order=order, provider=Provider.TEST)
    payments.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
    order.refresh_from_db()
    return order


def test_owner_cancels_paid_orders_and_the_money_question_is_settled(page, new_page, server, settings):
    settings.TEST_PAYMENTS_ENABLED = True
    shop = make_shop()
    kept = paid_through_test_provider(shop.package, email="jamie@example.com")
    refunded_at_once = paid_through_test_provider(shop.package, email="sam@example.com")
    log_in_as(page, server, shop.owner)

    # The owner's cancel form offers the refund; this time it is left unticked.
    page.goto(f"{server}/dashboard/orders/{kept.pk}/")
    check_page(page, J, "01-owner-order", h1="Career starter pack")
    expect(page.get_by_text("120.00 USD · Test provider")).to_be_visible()
    refund_box = page.get_by_label("Refund the payment (120.00 USD through Test provider)")
    expect(refund_box).not_to_be_checked()
    page.get_by_label("Reason (sent to the client)").fill("I am away for two months.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel order").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("The order was cancelled, its upcoming sessions too")).to_be_visible()
    expect(page.get_by_role("heading", name="Needs refund")).to_be_visible()
    check_page(page, J, "02-owner-order-cancelled", h1="Career starter pack")
    kept.refresh_from_db()
    assert kept.status == OrderStatus.CANCELLED

    # Payments flags it until it is refunded.
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Payments").click()
    check_page(page, J, "03-payments-needs-refund", h1="Payments")
    expect(page.get_by_text("1 cancelled order still has its payment.")).to_be_visible()
    expect(page.get_by_text("⚠ Needs refund: order cancelled")).to_have_count(1)

    # The client's page: no credits left, the reason, and no refund yet.
    client = new_page(PHONE)
    client.goto(f"{server}/orders/{kept.token}/")
    check_page(client, J, "04-client-cancelled", h1="Career starter pack")
    expect(client.get_by_text("remaining", exact=False)).to_have_count(2)
    expect(client.get_by_text("None remaining: order cancelled")).to_have_count(2)
    expect(client.get_by_text(re.compile(r"\d+ remaining"))).to_have_count(0)
    expect(client.get_by_text("All sessions used")).to_have_count(0)
    expect(client.get_by_text("Used 0 of 2")).to_be_visible()
    expect(client.get_by_text(re.compile("Paid .* · Not refunded"))).to_be_visible()
    expect(client.get_by_text("I am away for two months.")).to_be_visible()

    # The owner refunds it from the order page: the flag goes, the client sees the refund.
    page.goto(f"{server}/dashboard/orders/{kept.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Refund 120.00 USD through Test provider").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("The payment was refunded.")).to_be_visible()
    assert Payment.objects.get(order=kept).status == PaymentStatus.REFUNDED
    page.goto(f"{server}/dashboard/payments/")
    expect(page.get_by_text("Needs refund")).to_have_count(0)
    client.reload()
    expect(client.get_by_text(re.compile("Paid .* · Refunded to you"))).to_be_visible()
    check_page(client, J, "05-client-refunded", h1="Career starter pack")

    # Cancel and refund in one go.
    page.goto(f"{server}/dashboard/orders/{refunded_at_once.pk}/")
    page.get_by_label("Refund the payment (120.00 USD through Test provider)").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel order").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("The order was cancelled and the payment refunded in full")).to_be_visible()
    check_page(page, J, "06-owner-cancelled-and-refunded", h1="Career starter pack")
    refunded_at_once.refresh_from_db()
    assert refunded_at_once.status == OrderStatus.REFUNDED
    assert Payment.objects.get(order=refunded_at_once).status == PaymentStatus.REFUNDED
