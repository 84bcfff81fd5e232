"""Browser journey: a coach answers a deletion request. From Clients they find the client, open
their page, try to erase without confirming (the message beside the box), confirm, and the
client's name is then nowhere on the dashboard: Clients, Orders, past sessions, Payments."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from payments import services as payment_services
from payments.models import Provider
from tests import make_booking
from tests.e2e.data import make_shop, place_pending_order
from tests.e2e.helpers import check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
J = "erase-client"
PAGES = ["/dashboard/clients/", "/dashboard/orders/", "/dashboard/?view=past", "/dashboard/payments/"]


def test_a_coach_erases_a_client_and_their_name_is_nowhere_on_the_dashboard(page, server):
    shop = make_shop()
    order = place_pending_order(shop.package)  # Jamie Client
    payment = payment_services.payment_start(order=order, provider=Provider.TEST)
    payment_services.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
    make_booking(shop.coaching, timezone.now() - timedelta(days=3), client_name="Jamie Client",
                 client_email="jamie@example.com")
    make_booking(shop.coaching, timezone.now() - timedelta(days=2), client_name="Robin Other",
                 client_email="robin@example.com")
    log_in_as(page, server, shop.owner)
    for path in PAGES:
        page.goto(f"{server}{path}")
        expect(page.locator("main")).to_contain_text("Jamie Client")  # so the check below can fail

    page.goto(f"{server}/dashboard/")
    page.get_by_role("link", name="Clients").click()
    page.get_by_label("Search").fill("jamie")
    page.get_by_role("button", name="Search").click()
    check_page(page, J, "00-clients", h1="Clients")
    page.get_by_role("link", name="Jamie Client").click()
    check_page(page, J, "01-client", h1="Jamie Client")
    expect(page.locator("main")).to_contain_text("Interview practice")
    page.get_by_role("link", name="Erase client…").click()
    check_page(page, J, "02-confirm", h1="Erase Jamie Client?")
    expect(page.locator("main")).to_contain_text("tax law requires you to keep them")

    page.get_by_role("button", name="Erase this client").click()
    expect(page.locator(".field-errors")).to_have_text("Tick the box to confirm that you want to erase this client.")
    check_page(page, J, "03-not-confirmed")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Erase this client").click()

    expect(page.locator(".messages")).to_contain_text("Client erased")
    check_page(page, J, "04-erased", h1="Clients")
    for path in PAGES:
        page.goto(f"{server}{path}")
        main = page.locator("main")
        expect(main).not_to_contain_text("Jamie")
        expect(main).not_to_contain_text("jamie@example.com")
    page.goto(f"{server}/dashboard/clients/")
    expect(page.locator("main")).to_contain_text("Robin Other")
