"""The package order page: what the package is comes from the cache under the owner's content
version (any change shows at once); the order form beside it, with its CSRF token and the
visitor's errors, is rendered for every request."""
import re
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import PackageState
from packages.services import package_update_info


def page_url(package) -> str:
    return f"/{package.owner.slug}/packages/{package.slug}/"


def test_package_and_meeting_type_changes_show_at_once(client, package, coaching):
    assert "Starter pack" in client.get(page_url(package)).content.decode()
    package_update_info(package=package, name="Bigger pack", description="Now with more.", items=[(coaching, 5)])
    html = client.get(page_url(package)).content.decode()
    assert "Bigger pack" in html and "Now with more." in html and "5 ×</strong> Coaching session" in html
    coaching.name = "Deep-dive session"
    coaching.save()
    assert "5 ×</strong> Deep-dive session" in client.get(page_url(package)).content.decode()
    package.price, package.cancel_window_hours = Decimal("250.00"), 48
    package.save()
    html = client.get(page_url(package)).content.decode()
    assert "250.00 USD" in html and "48 hours" in html
    package.state = PackageState.DISABLED
    package.save()
    assert "disabled or deleted" in client.get(page_url(package)).content.decode()


def test_each_visitor_gets_their_own_csrf_token_and_errors(package):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token_of = lambda html: re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # noqa: E731
    one = first.get(page_url(package)).content.decode()
    two = second.get(page_url(package)).content.decode()  # served from the cache
    assert "Starter pack" in two and token_of(one) != token_of(two)
    response = second.post(page_url(package), {"csrfmiddlewaretoken": token_of(two), "full_name": "",
                                               "email": "not-an-email"})
    assert response.status_code == 200 and "Starter pack" in response.content.decode()
    assert "not-an-email" in response.content.decode()
    assert "not-an-email" not in first.get(page_url(package)).content.decode()


def test_a_cached_page_reads_the_cache_once(client, package, django_assert_num_queries):
    client.get(page_url(package))
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set:
        # owner, package, items with meeting types, questions: the form needs them on every request
        with django_assert_num_queries(4):
            assert "Starter pack" in client.get(page_url(package)).content.decode()
    assert get_many.call_count == 1 and not cache_set.called


def test_a_package_session_booked_leaves_the_public_picker_at_once(client, package, coaching):
    # Inside a minute, where the picker's fragment is served from the cache.
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, 20, tzinfo=UTC), tick=False):
        url = reverse("public:book_meeting", args=[package.owner.slug, coaching.slug])
        params = {"fragment": "picker", "tz": "UTC", "date": "2026-12-03"}
        assert ">2:00 PM<" in client.get(url, params).content.decode()
        order = place_order(package)
        item = order.items.get(meeting_type=coaching)
        order_session_book(item=item, start=datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
        assert ">2:00 PM<" not in client.get(url, params).content.decode()
