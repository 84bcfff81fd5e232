"""Partial refund (issue 28 item 3): the owner refunds half of a paid order from the payment's page,
takes one session off the order, and sees "Partly refunded" with what is left; an amount above what is
left is refused beside the field; the client's order page lists the credit note."""
import pytest
from playwright.sync_api import expect

from orders.credits import item_balance
from orders.models import OrderStatus
from payments.models import Payment, PaymentStatus
from tests.e2e.data import make_shop
from tests.e2e.helpers import check_page, log_in_as
from tests.e2e.test_journey_cancel_refund import paid_through_test_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j28-partial-refund"


def test_owner_refunds_half_a_payment_and_sees_partly_refunded(page, server, settings):
    settings.TEST_PAYMENTS_ENABLED = True
    shop = make_shop()
    order = paid_through_test_provider(shop.package, email="jamie@example.com")
    payment = Payment.objects.get(order=order)
    item = order.items.order_by("position", "id").first()
    sessions_before = item_balance(item.pk)
    log_in_as(page, server, shop.owner)

    # From the order page to the payment's own refund form.
    page.goto(f"{server}/dashboard/orders/{order.pk}/")
    page.get_by_role("link", name="refund part of the payment").click()
    check_page(page, J, "01-payment", h1="Payment of 120.00 USD")

    # More than was paid is refused beside the field, and nothing changes.
    page.get_by_label("Amount to refund (USD)").fill("500")
    page.get_by_label("Reason").fill("Moved abroad")
    page.get_by_role("button", name="Refund", exact=True).click()
    check_page(page, J, "02-too-much", h1="Payment of 120.00 USD")
    expect(page.get_by_text("At most 120.00 USD is left to refund.")).to_be_visible()

    # Half of it, with one session taken off.
    page.get_by_label("Amount to refund (USD)").fill("60.00")
    page.get_by_label("Take sessions off the order").check()
    page.get_by_label(f"{item.meeting_type_name}: sessions to take off").fill("1")
    page.get_by_role("button", name="Refund", exact=True).click()
    check_page(page, J, "03-partly-refunded", h1="Payment of 120.00 USD")
    expect(page.get_by_text("60.00 USD was refunded through Test provider. 60.00 USD is left.")).to_be_visible()
    expect(page.locator(".page-header .badge")).to_have_text("Partly refunded")
    expect(page.get_by_role("heading", name="Refunds")).to_be_visible()

    # The Payments list says so too.
    page.goto(f"{server}/dashboard/payments/")
    check_page(page, J, "04-payments", h1="Payments")
    expect(page.locator("td .badge-partly_refunded")).to_have_text("Partly refunded")
    expect(page.get_by_text("−60.00 USD refunded")).to_be_visible()

    # The client's order page lists the invoice and the credit note of the half given back.
    page.goto(f"{server}/orders/{order.token}/")
    check_page(page, J, "05-client-order")
    note = page.locator("#invoices li").filter(has_text="Credit note")
    expect(note).to_contain_text("60.00 USD")

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTLY_REFUNDED, 60)
    assert order.status == OrderStatus.ACTIVE and item_balance(item.pk) == sessions_before - 1
