"""Ordering a package is limited per IP, so nobody can flood a stranger's inbox with order
confirmations; above the limit the client gets a clear page and nothing is ordered."""
from django.conf import settings as project_settings

from orders.models import PackageOrder
from orders.tests.test_order_page import page_url, valid_post


def test_the_order_limit_is_ten_an_hour_per_ip():
    assert project_settings.THROTTLES["public_order"] == (10, 60 * 60)


def test_orders_above_the_limit_are_refused_with_a_clear_message(client, package, settings):
    settings.THROTTLES = {**settings.THROTTLES, "public_order": (3, 60 * 60)}
    answer = {f"question_{package.questions.get().pk}": "Run a marathon"}
    for n in range(3):
        assert client.post(page_url(package), valid_post(email=f"victim{n}@example.com", **answer)).status_code == 302

    refused = client.post(page_url(package), valid_post(email="victim@example.com", **answer))

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many attempts from your network" in page and "Nothing was sent" in page
    assert PackageOrder.objects.count() == 3
    assert not PackageOrder.objects.filter(client_email="victim@example.com").exists()
    # Looking at the page is never limited, and another network can still order.
    assert client.get(page_url(package)).status_code == 200
    other = client.post(page_url(package), valid_post(**answer), REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 302
