"""`make run` shows the Clients page with content: the demo's package client and a client who only
booked a single intro call."""
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from clients.upkeep import clients_verify
from leadmonk.money import format_money
from orders.models import PackageOrder


@override_settings(DEBUG=True)  # seed_demo is a development command
def test_the_demo_owners_clients_page_lists_the_demo_clients(client, db):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nobody twice
    # The history's rows are written in bulk (payments.demo_history): the table still agrees with
    # a recompute from them.
    assert clients_verify() == []
    client.force_login(User.objects.get(email="demo@example.com"))

    # Alex's order is the payments demo's partly refunded one; the demo's year of history and its
    # waitlist add more clients (a page of them), each found by a search and listed once.
    for name in ("Riley Morgan", "Alex Kim"):
        found = client.get(reverse("clients:list"), {"q": name.split()[0]}).content.decode()
        assert found.count(name) == 1, name
    html = client.get(reverse("clients:list"), {"q": "jamie@example.com"}).content.decode()
    assert html.count('data-label="Client"') == 1 and "Jamie Client" in html
    order = PackageOrder.objects.get(owner__email="demo@example.com", client_email="jamie@example.com")
    jamie_row = html[html.index('data-label="Client"'):]  # the one row found
    assert format_money(order.price, order.currency) in jamie_row[:jamie_row.index("</tr>")]  # paid, on Jamie's row
