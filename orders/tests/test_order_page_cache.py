"""The package order page: what the package is comes from the cache under the owner's content
version (any change shows at once); the order form beside it, with its CSRF token and the
visitor's errors, is rendered for every request."""
import re
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import time_machine
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.plans import Plan
from accounts.services import owner_set_plan
from leadmonk.splice import CSRF_TOKEN
from orders.models import PackageOrder
from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import NameFormat, OrderingInformation, PackageState, QuestionKind
from packages.services import (
    package_create,
    package_delete,
    package_disable,
    package_enable,
    package_update_info,
    package_update_invitee_preferences,
    package_update_payment,
    question_create,
    question_delete,
    question_move,
    question_update,
)
from scheduling.models import MeetingTypeState
from tests import make_package


def page_url(package) -> str:
    return f"/{package.owner.slug}/packages/{package.slug}/"


def page(client, package) -> str:
    response = client.get(page_url(package))
    assert response.status_code == 200
    html = response.content.decode()
    assert CSRF_TOKEN.mark not in html
    return html


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


def test_a_cached_page_reads_the_cache_once_and_runs_no_query(client, package, django_assert_num_queries):
    client.get(page_url(package))
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
         mock.patch.object(cache, "set") as cache_set, mock.patch.object(cache, "add") as cache_add:
        # Orderability and the unbound form are in the cached page: no owner, package or questions read.
        with django_assert_num_queries(0):
            html = client.get(page_url(package)).content.decode()
    assert "Starter pack" in html and "Your goal?" in html and 'name="csrfmiddlewaretoken" value="' in html
    assert get_many.call_count == 1 and not cache_set.called and not cache_add.called


def test_question_changes_show_in_the_form_at_once(client, package):
    first = package.questions.get()
    assert "Your goal?" in page(client, package)
    second = question_create(package=package, text="Your level?", kind=QuestionKind.SINGLE_CHOICE, required=False,
                             choices=["Beginner", "Expert"])
    html = page(client, package)
    assert html.index("Your goal?") < html.index("Your level?") and "Expert" in html
    question_move(question=second, direction="up")  # a bulk update: no save signal
    html = page(client, package)
    assert html.index("Your level?") < html.index("Your goal?")
    question_update(question=first, text="Your main goal?", kind=QuestionKind.LONG_TEXT, required=False, choices=[])
    html = page(client, package)
    assert "Your main goal?" in html and "<textarea" in html
    question_delete(question=second)
    assert "Your level?" not in page(client, package)


def test_invitee_preferences_and_terms_show_in_the_form_at_once(client, package):
    html = page(client, package)
    assert 'name="full_name"' in html and 'name="mobile"' not in html and "No refunds after a session." in html
    package_update_invitee_preferences(package=package, name_format=NameFormat.FIRST_LAST,
                                       ordering_information=OrderingInformation.NAME_EMAIL_MOBILE)
    html = page(client, package)
    assert 'name="first_name"' in html and 'name="full_name"' not in html and 'name="mobile"' in html
    package_update_payment(package=package, price=None, currency="USD", payment_medium="", terms="", free=True)
    html = page(client, package)
    assert "No refunds" not in html and 'name="accept_terms"' not in html and "Order for free" in html


def test_orderability_follows_items_plan_and_state_at_once(client, owner, package, coaching, workshop):
    assert 'name="email"' in page(client, package)
    for meeting_type in (coaching, workshop):
        meeting_type.state = MeetingTypeState.DISABLED
        meeting_type.save()
    html = page(client, package)  # nothing left to sell
    assert "disabled or deleted" in html and 'name="email"' not in html
    coaching.state = MeetingTypeState.ACTIVE
    coaching.save()
    html = page(client, package)
    assert 'name="email"' in html and "Coaching session" in html and "Group workshop" not in html
    owner_set_plan(owner=owner, plan=Plan.FREE)
    assert "disabled or deleted" in page(client, package)
    owner_set_plan(owner=owner, plan=Plan.TEAM)
    assert 'name="email"' in page(client, package)
    package_disable(package=package)
    assert "disabled or deleted" in page(client, package)
    package_enable(package=package)
    assert 'name="email"' in page(client, package)
    package_delete(package=package)
    assert "disabled or deleted" in page(client, package)
    again = make_package(owner, items=[(coaching, 3)], name="Starter pack again", slug="starter-pack")
    html = page(client, again)  # the live package with that slug wins over the deleted one
    assert "Starter pack again" in html and 'name="email"' in html


def test_a_draft_shows_as_not_available_until_published(client, owner, coaching):
    draft = package_create(owner=owner, name="Coming soon", items=[(coaching, 2)])
    assert "not available yet" in page(client, draft)
    package_update_payment(package=draft, price=Decimal("80.00"), currency="USD", payment_medium="stripe", terms="")
    html = page(client, draft)
    assert "not available yet" not in html and "80.00 USD" in html and 'name="email"' in html


def test_the_owner_profile_slug_and_state_show_at_once(client, owner, package):
    assert "Casey Coach" in page(client, package)
    owner.display_name = "Casey Renamed"
    owner.save()
    assert "Casey Renamed" in page(client, package)
    old_url = page_url(package)
    owner.slug = "casey"
    owner.save()
    assert client.get(old_url).status_code == 404
    assert "Starter pack" in page(client, package)  # at the new address
    owner.email_verified = False
    owner.save(update_fields=["email_verified"])
    assert client.get(page_url(package)).status_code == 404
    owner.email_verified, owner.is_active = True, False
    owner.save()
    assert client.get(page_url(package)).status_code == 404


def test_an_unknown_package_is_404_and_a_new_one_shows_at_once(client, owner, package, coaching):
    page(client, package)
    assert client.get(f"/{owner.slug}/packages/later-pack/").status_code == 404
    later = make_package(owner, items=[(coaching, 1)], name="Later pack", slug="later-pack")
    assert "Later pack" in page(client, later)


def test_messages_are_the_visitors_own(client, package):
    page(client, package)  # cached
    storage = CookieStorage(RequestFactory().get("/"))
    visitor = Client()
    visitor.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Welcome back, Jamie")])
    assert "Welcome back, Jamie" in page(visitor, package)
    assert "Welcome back, Jamie" not in page(client, package)


def test_an_order_placed_from_a_cached_page_goes_through(package):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(page_url(package))
    html = visitor.get(page_url(package)).content.decode()  # from the cache, with this visitor's token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = visitor.post(page_url(package), {
        "csrfmiddlewaretoken": token, "full_name": "Jamie Client", "email": "jamie@example.com",
        f"question_{package.questions.get().pk}": "Focus", "accept_terms": "on", "client_timezone": "Europe/London",
    })
    assert response.status_code == 302 and PackageOrder.objects.filter(client_email="jamie@example.com").exists()


def test_an_unreachable_cache_still_serves_the_page(client, package):
    down = ConnectionError("redis down")
    with mock.patch.object(cache, "get_many", side_effect=down), mock.patch.object(cache, "get", side_effect=down), \
         mock.patch.object(cache, "add", side_effect=down), mock.patch.object(cache, "set", side_effect=down):
        for _ in range(2):  # a process that knows nothing yet, then one that knows the owner of the slug
            html = page(client, package)
            assert "Starter pack" in html and 'name="csrfmiddlewaretoken" value="' in html
            assert CSRF_TOKEN.mark not in html


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
