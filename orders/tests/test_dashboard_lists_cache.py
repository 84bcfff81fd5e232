"""The owner's dashboard lists (Orders, Payments, Upcoming sessions) served from the cache
(leadmonk.dashboard_pages): a second look costs the user's query alone, whatever the data; any
change through the app's services shows at once; one owner never sees another's page; a page with
messages to show, or a POST, is never served from the cache; the CSRF token is the request's own."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from orders.gifts import GiftDetails, gift_attach, gift_change_recipient_email
from orders.services import order_session_book
from orders.tests.conftest import place_order
from payments.models import Payment, PaymentStatus, Provider
from payments.services import payment_refund
from scheduling.models import BookedBy
from scheduling.services import booking_cancel
from tests import NINE_AM, NOW

PAGES = ["/dashboard/orders/", "/dashboard/payments/", "/dashboard/"]


@pytest.fixture(autouse=True)
def setup_done(owner):
    """Upcoming shows the setup checklist (never cached) until the owner's setup is done."""
    User.objects.filter(pk=owner.pk).update(setup_done_at=NOW - timedelta(days=1))
    owner.refresh_from_db()


def book(order, start):
    item = order.items.get(meeting_type_name="Coaching session")
    return order_session_book(item=item, start=start)


def confirmed_payment(order) -> Payment:
    return Payment.objects.create(order=order, provider=Provider.TEST, status=PaymentStatus.CONFIRMED,
                                  amount=order.price, currency=order.currency, confirmed_at=timezone.now(),
                                  provider_reference=f"test-{order.pk}")


def get(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode().replace("<wbr>", "")  # where an address may break (email_wrap)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("size", [1, 12])
def test_a_second_look_costs_only_the_users_query(owner_client, package, path, size, django_assert_num_queries):
    for n in range(size):
        order = place_order(package, name=f"Client {n:02}", email=f"c{n}@example.com")
        confirmed_payment(order)
        if n % 3 == 0:
            book(order, NINE_AM + timedelta(days=n))
    first = get(owner_client, path)
    with django_assert_num_queries(1):  # the user; the session comes from the cache
        again = get(owner_client, path)
    assert _tokens_out(again) == _tokens_out(first)  # each response masks the token anew


@pytest.mark.parametrize("path", PAGES)
def test_the_page_from_the_cache_carries_this_requests_csrf_token(package, owner, path):
    order = place_order(package)
    book(order, NINE_AM)
    html = []
    for _ in range(2):
        client = Client()
        client.force_login(owner)
        response = client.get(path)
        token = response.cookies["csrftoken"].value if "csrftoken" in response.cookies else None
        body = response.content.decode()
        assert "splice" not in body  # no placeholder left
        assert token and 'name="csrfmiddlewaretoken" value="' in body
        html.append(body)
        # The logout form of the frame works with the token it was given.
        assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": _token_in(body)}).status_code == 302
    assert _token_in(html[0]) != _token_in(html[1])


def _tokens_out(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def _token_in(body: str) -> str:
    return body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]


def test_orders_list_follows_new_orders_bookings_cancels_and_an_update_path(owner_client, package):
    order = place_order(package, name="Jamie Client")
    assert "0 used · 3 left" in get(owner_client, "/dashboard/orders/")
    booking = book(order, NINE_AM)
    assert "1 used · 2 left" in get(owner_client, "/dashboard/orders/")
    booking_cancel(booking=booking, by=BookedBy.OWNER)
    assert "0 used · 3 left" in get(owner_client, "/dashboard/orders/")
    place_order(package, name="Robin Newer", email="robin@example.com")
    assert "Robin Newer" in get(owner_client, "/dashboard/orders/")
    # The recipient's email is written with QuerySet.update() (no post_save).
    gift = place_order(package, name="Gift Holder", email="holder@example.com")
    gift_attach(order=gift, details=GiftDetails(recipient_name="R", recipient_email="r@example.com", message="",
                                                send_on=NOW.date() + timedelta(days=3)))
    type(gift).objects.filter(pk=gift.pk).update(paid_at=NOW)
    assert "holder@example.com" in get(owner_client, "/dashboard/orders/")
    gift_change_recipient_email(gift=gift.gift, email="changed@example.com")
    html = get(owner_client, "/dashboard/orders/")
    assert "changed@example.com" in html and "holder@example.com" not in html


def test_payments_list_follows_payments_and_refunds(owner_client, owner, package):
    order = place_order(package)
    assert "No payments yet" in get(owner_client, "/dashboard/payments/")
    payment = confirmed_payment(order)
    html = get(owner_client, "/dashboard/payments/")
    assert "100.00 USD" in html and "Refunded 0.00 USD" in html
    payment_refund(payment=payment, by_owner=owner, amount=Decimal("40"))
    assert "Refunded 40.00 USD" in get(owner_client, "/dashboard/payments/")


def test_upcoming_follows_bookings_and_moves_with_the_clock(owner_client, package):
    order = place_order(package)
    assert "No upcoming sessions" in get(owner_client, "/dashboard/")
    booking = book(order, NINE_AM)
    html = get(owner_client, "/dashboard/")
    assert "Jamie Client" in html and "Starter pack" in html and "attendance-form" not in html
    # The session starts: it takes its attendance from the next minute on; once over it leaves.
    with time_machine.travel(booking.start + timedelta(seconds=30), tick=False):
        assert "attendance-form" in get(owner_client, "/dashboard/")
    with time_machine.travel(booking.end + timedelta(seconds=1), tick=False):
        assert "No upcoming sessions" in get(owner_client, "/dashboard/")
    assert "Jamie Client" in get(owner_client, "/dashboard/")  # back to now: still to come
    get(owner_client, "/dashboard/?view=cancelled")
    booking_cancel(booking=booking, by=BookedBy.OWNER)
    assert "No upcoming sessions" in get(owner_client, "/dashboard/")
    assert "Jamie Client" in get(owner_client, "/dashboard/?view=cancelled")


def test_the_owners_own_row_shows_at_once(owner_client, owner, package):
    place_order(package)
    for path in PAGES:
        get(owner_client, path)
    owner.display_name = "Renamed Coach"
    owner.timezone = "Asia/Tokyo"
    owner.save()
    for path in PAGES:
        assert "Renamed Coach" in get(owner_client, path), path
    assert "Asia/Tokyo" in get(owner_client, "/dashboard/")


@pytest.mark.parametrize("path", PAGES)
def test_another_owner_never_gets_the_first_owners_page(package, owner, other_owner, path):
    order = place_order(package, name="Jamie Client")
    confirmed_payment(order)
    book(order, NINE_AM)
    User.objects.filter(pk=other_owner.pk).update(setup_done_at=NOW - timedelta(days=1))
    mine, theirs = Client(), Client()
    mine.force_login(owner)
    theirs.force_login(other_owner)
    assert "Jamie Client" in get(mine, path)
    html = get(theirs, path)
    assert "Jamie Client" not in html and "Olive Other" in html and "Casey Coach" not in html


def test_a_message_is_shown_on_a_cached_list(owner_client, owner, package):
    """A message (after an action) is shown on the list it sends the owner to, though the list
    was cached before; the next look is the cached list again, without it."""
    order = place_order(package)
    payment = confirmed_payment(order)
    before = get(owner_client, "/dashboard/payments/")
    response = owner_client.post(f"/dashboard/payments/{payment.pk}/refunded-outside/")
    assert response.status_code == 302
    shown = get(owner_client, "/dashboard/payments/")
    assert "message-success" in shown or "message-info" in shown
    after = get(owner_client, "/dashboard/payments/")
    assert "message-" not in after and after != before  # refunded now: the list changed too


@pytest.mark.parametrize("path", PAGES)
def test_a_post_is_never_answered_from_the_cache(owner_client, package, path):
    place_order(package)
    get(owner_client, path)
    with CaptureQueriesContext(connection) as queries:
        owner_client.post(path)
    assert len(queries) >= 2  # the page's own reads: a hit reads the user alone


def test_filters_search_and_pages_are_their_own_entries(owner_client, package):
    for n in range(27):
        place_order(package, name=f"Client {n:02}", email=f"c{n}@example.com")
    first = get(owner_client, "/dashboard/orders/")
    searched = get(owner_client, "/dashboard/orders/?q=client%2026")
    assert first.count('data-label="Client"') == 25
    assert searched.count('data-label="Client"') == 1
    older = first.split('rel="next" href="?')[1].split('"')[0].replace("&amp;", "&")
    assert get(owner_client, f"/dashboard/orders/?{older}").count('data-label="Client"') == 2
    assert get(owner_client, "/dashboard/orders/").count('data-label="Client"') == 25


def test_a_logged_out_or_deactivated_owner_gets_no_cached_page(owner_client, owner, package):
    place_order(package)
    for path in PAGES:
        get(owner_client, path)
    User.objects.filter(pk=owner.pk).update(is_active=False)
    for path in PAGES:
        assert owner_client.get(path).status_code == 302, path
    User.objects.filter(pk=owner.pk).update(is_active=True)
    owner_client.logout()
    for path in PAGES:
        assert owner_client.get(path).status_code == 302, path
