"""The Clients page served from the cache (leadmonk.dashboard_pages, under the owner's ORDERS
version): a second look costs the user's query alone, whatever the number of clients; an order, a
payment, a session, an erasure or a rebuild of the table shows at once; a next session that begins
moves the page with the clock; one owner never sees another's clients."""
from datetime import timedelta

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from clients.services import client_erase
from clients.upkeep import clients_rebuild
from tests import NOW, make_booking

from .conftest import NEXT_WEEK, book_next_week, paid_order, pay

URL = reverse("clients:list")


@pytest.fixture(autouse=True)
def test_payments(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_a_second_look_costs_only_the_users_query(owner_client, coaching, count, django_assert_num_queries):
    for n in range(count):
        make_booking(coaching, NEXT_WEEK + timedelta(days=n % 3, hours=n % 5), client_name=f"Client {n}",
                     client_email=f"client{n:02d}@example.com")
    # One minute: the page's key holds it (its times are relative), so two loads across a minute's
    # turn (a slow machine) would be two entries.
    with time_machine.travel(timezone.now(), tick=False):
        first = page(owner_client)
        with django_assert_num_queries(1):  # the user; the session comes from the cache
            again = page(owner_client)
    assert again.count('data-label="Client"') == first.count('data-label="Client"') == count


def test_an_order_a_payment_and_a_session_show_at_once(owner_client, package):
    from orders.services import order_create

    assert "jamie@example.com" not in page(owner_client)
    order = order_create(package=package, client_name="Jamie Rivers", client_email="jamie@example.com",
                         client_phone="", answers=[], terms_accepted=True, client_timezone="Europe/London")
    assert "jamie@example.com" in page(owner_client)
    pay(order)
    assert "120.00 USD" in page(owner_client)
    book_next_week(order)
    assert "7 Dec 2026" in page(owner_client)


def test_an_erasure_and_a_rebuild_show_at_once(owner, owner_client, coaching):
    make_booking(coaching, NOW - timedelta(days=2), client_name="Sam Single", client_email="sam@example.com")
    Client.objects.all().delete()  # a table gone wrong (no write of the source rows follows)
    assert "sam@example.com" not in page(owner_client)  # and that page is now the cached one
    clients_rebuild(owner.pk)  # the command's mend
    assert "sam@example.com" in page(owner_client)

    client_erase(owner=owner, email="sam@example.com", by_user=owner)
    html = page(owner_client)
    assert "sam@example.com" not in html and "Sam Single" not in html


def test_a_next_session_that_begins_moves_the_page_with_the_clock(owner_client, package):
    order = paid_order(package)
    book_next_week(order)
    book_next_week(order, days=1)
    assert "7 Dec 2026" in page(owner_client)  # next session: the first

    with time_machine.travel(NEXT_WEEK + timedelta(hours=2), tick=False):
        html = page(owner_client)
    assert "8 Dec 2026" in html  # the first has begun: the second is next


def test_one_owner_never_gets_anothers_page(owner_client, other_owner, coaching):
    make_booking(coaching, NEXT_WEEK, client_name="Sam Single", client_email="sam@example.com")
    assert "sam@example.com" in page(owner_client)

    browser = BrowserClient()
    browser.force_login(other_owner)
    assert "sam@example.com" not in page(browser)
