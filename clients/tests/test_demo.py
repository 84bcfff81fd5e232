"""`make run` shows the Clients page with content: the demo's package client and a client who only
booked a single intro call."""
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from leadmonk.money import format_money
from orders.models import PackageOrder


@override_settings(DEBUG=True)  # seed_demo is a development command
def test_the_demo_owners_clients_page_lists_the_demo_clients(client, db):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nobody twice
    client.force_login(User.objects.get(email="demo@example.com"))

    html = client.get(reverse("clients:list")).content.decode()

    assert html.count('data-label="Client"') == 2
    assert "Jamie Client" in html and "Riley Morgan" in html
    order = PackageOrder.objects.get(owner__email="demo@example.com")
    assert format_money(order.price, order.currency) in html.split('data-label="Paid"')[1]  # paid, on Jamie's row
