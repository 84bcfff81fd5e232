"""The Clients page: everyone who ordered or booked, once per normalised email, with their orders,
money paid, sessions left and last and next session; searchable; keyset pages; a fixed number of
queries whatever the number of clients."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse

from clients.selectors import client_page
from clients.services import client_erase
from orders.services import order_create
from scheduling.models import Attendance, BookingStatus
from tests import NOW, make_booking

from .conftest import book_next_week, paid_order

URL = reverse("clients:list")


def rows_of(html: str) -> int:
    return html.count('data-label="Client"')


def test_a_client_who_ordered_and_one_who_only_booked_a_session_are_both_listed(owner_client, package, coaching):
    paid_order(package)
    make_booking(coaching, NOW - timedelta(days=3), client_name="Sam Single", client_email="sam@example.com")

    html = owner_client.get(URL).content.decode()

    assert "Jamie Rivers" in html and "jamie@example.com" in html
    assert "Sam Single" in html and "sam@example.com" in html
    assert rows_of(html) == 2


def test_someone_who_only_gave_a_gift_stays_listed_once_it_is_paid_and_can_be_erased(
        owner, owner_client, package, django_capture_on_commit_callbacks):
    """Pat buys Kim a pack: once paid the order is Kim's, but Pat paid, got the receipt and gave a
    name, address and number: Pat is a client too, with a page, and can ask to be erased."""
    from clients.selectors import client_reference
    from orders.gifts import GiftDetails

    from .conftest import pay

    with django_capture_on_commit_callbacks(execute=True):
        gift_order = order_create(package=package, client_name="Pat Buyer", client_email="Pat@Example.com",
                                  client_phone="+447700900123", terms_accepted=True, client_timezone="Europe/London",
                                  gift=GiftDetails(recipient_name="Kim Lee", recipient_email="kim@example.com",
                                                   message="Enjoy!", send_on=NOW.date()))
        pay(gift_order)

    html = owner_client.get(URL).content.decode()

    assert "Pat Buyer" in html and "pat@example.com" in html and "Kim Lee" in html
    assert rows_of(html) == 2
    page = owner_client.get(reverse("clients:detail", args=[client_reference(owner_id=owner.pk,
                                                                            email="pat@example.com")]))
    assert page.status_code == 200 and "Pat Buyer" in page.content.decode()

    client_erase(owner=owner, email="pat@example.com", by_user=owner)

    html = owner_client.get(URL).content.decode()
    assert "Pat Buyer" not in html and rows_of(html) == 1


def test_the_same_email_in_other_case_or_with_spaces_is_one_client(owner, package, coaching):
    paid_order(package, email="Jamie@Example.com")
    make_booking(coaching, NOW - timedelta(days=3), client_name="Jamie Rivers", client_email=" JAMIE@example.COM")

    page = client_page(owner=owner, params=QueryDict())

    assert [(row.email, row.orders) for row in page] == [("jamie@example.com", 1)]


def test_each_row_shows_orders_money_paid_sessions_left_and_last_and_next_session(owner, owner_client, package,
                                                                                   coaching):
    order = paid_order(package)
    paid_order(package)  # a second pack: 4 sessions bought, 240.00 paid
    book_next_week(order)
    make_booking(coaching, NOW - timedelta(days=10), client_name="Jamie Rivers", client_email="jamie@example.com")
    make_booking(coaching, NOW - timedelta(days=20), client_name="Jamie Rivers", client_email="jamie@example.com",
                 status=BookingStatus.CANCELLED)

    [row] = client_page(owner=owner, params=QueryDict())
    html = owner_client.get(URL).content.decode()

    assert (row.orders, row.paid, row.sessions_left) == (2, [(Decimal("240.000"), "USD")], 3)
    assert row.last_session == NOW - timedelta(days=10)  # the cancelled one is no session held
    assert row.next_session == order.items.get().bookings.get().start
    assert "240.00 USD" in html
    assert "21 Nov 2026" in html  # the last session, in the owner's zone
    assert "7 Dec 2026" in html


def test_money_paid_counts_what_a_partial_refund_did_not_give_back(owner, package, settings):
    from payments.models import Payment
    from payments.services import payment_refund

    settings.TEST_PAYMENTS_ENABLED = True
    order = paid_order(package)
    payment_refund(payment=Payment.objects.get(order=order), by_owner=owner, amount=Decimal("20.00"),
                   reason="One session not taken", idempotency_key="refund-part-1")

    [row] = client_page(owner=owner, params=QueryDict())

    assert row.paid == [(Decimal("100.000"), "USD")]


def test_an_unpaid_order_lists_the_client_with_nothing_paid(owner_client, package):
    order_create(package=package, client_name="Una Paid", client_email="una@example.com", terms_accepted=True)

    html = owner_client.get(URL).content.decode()

    assert "Una Paid" in html and "—" in html


@pytest.mark.parametrize("query", ["rive", "JAMIE@", "example.com"])
def test_search_finds_a_client_by_part_of_the_name_or_email(owner_client, package, coaching, query):
    paid_order(package)
    make_booking(coaching, NOW - timedelta(days=3), client_name="Sam Single", client_email="sam@other.org")

    html = owner_client.get(URL, {"q": query}).content.decode()

    assert "Jamie Rivers" in html and "Sam Single" not in html


def test_a_search_with_like_wildcards_matches_them_literally(owner_client, package):
    paid_order(package)

    html = owner_client.get(URL, {"q": "%"}).content.decode()

    assert "No clients match" in html and "Jamie Rivers" not in html


def test_a_search_that_cannot_be_used_says_so_and_shows_everyone(owner_client, package):
    paid_order(package)

    response = owner_client.get(URL, {"q": "a\x00b"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "That search cannot be used" in html and "Jamie Rivers" in html


def test_the_list_pages_forward_and_back_by_email(owner, owner_client, coaching):
    for n in range(5):
        make_booking(coaching, NOW - timedelta(days=n + 1), client_name=f"Client {n}", client_email=f"c{n}@example.com")

    first = client_page(owner=owner, params=QueryDict(), size=2)
    second = client_page(owner=owner, params=_query(first.next_query), size=2)
    third = client_page(owner=owner, params=_query(second.next_query), size=2)
    back = client_page(owner=owner, params=_query(third.previous_query), size=2)

    assert [row.email for row in first] == ["c0@example.com", "c1@example.com"]
    assert [row.email for row in second] == ["c2@example.com", "c3@example.com"]
    assert [row.email for row in third] == ["c4@example.com"] and third.next_query == ""
    assert [row.email for row in back] == [row.email for row in second]
    assert first.previous_query == ""


def test_a_hand_edited_cursor_gives_the_first_page(owner_client, package):
    paid_order(package)

    html = owner_client.get(URL, {"after": "x" * 400, "before": "a\x00"}).content.decode()

    assert "Jamie Rivers" in html


def test_an_erased_client_is_no_longer_listed(owner, owner_client, package, coaching):
    make_booking(coaching, NOW - timedelta(days=3), client_name="Sam Single", client_email="sam@example.com",
                 attendance=Attendance.ATTENDED)
    paid_order(package)
    client_erase(owner=owner, email="sam@example.com", by_user=owner)

    html = owner_client.get(URL).content.decode()

    assert "Sam Single" not in html and "erased" not in html.split("Recent erasures")[0]
    assert rows_of(html) == 1
    assert "Recent erasures" in html


def test_the_dashboard_navigation_leads_to_clients(owner_client):
    html = owner_client.get(reverse("dashboard:home")).content.decode()

    assert f'href="{URL}"' in html and ">Clients<" in html


def _query(text: str) -> QueryDict:
    return QueryDict(text)


def _clients(package, coaching, count: int) -> None:
    for n in range(count):
        order = paid_order(package, name=f"Client {n}", email=f"client{n:02d}@example.com")
        make_booking(coaching, NOW - timedelta(days=n + 1), client_name=f"Client {n}",
                     client_email=f"client{n:02d}@example.com", order_item=order.items.get())


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_takes_the_same_number_of_queries_for_2_or_12_clients(owner_client, package, coaching, count,
                                                                        django_assert_num_queries):
    _clients(package, coaching, count)

    with django_assert_num_queries(3):
        response = owner_client.get(URL)

    assert rows_of(response.content.decode()) == count


def test_the_rows_written_in_python_are_the_rows_template(owner, owner_client, package, coaching, rf):
    """clients.views._client_rows_html writes what templates/clients/_client_row.html renders."""
    from django.template.loader import render_to_string

    from clients.views import _client_rows_html
    from leadmonk.timezones import clock_formats

    order = paid_order(package, name="Ann <O'Hara> & Co", email="ann@example.com")
    paid_order(package, name="Ann <O'Hara> & Co", email="ann@example.com")
    book_next_week(order)
    make_booking(coaching, NOW - timedelta(days=4), client_name="Bo", client_email="bo@example.com")
    make_booking(coaching, NOW + timedelta(days=9), client_name="Cy", client_email="cy@example.com",
                 status=BookingStatus.CANCELLED)
    request = rf.get(URL)
    request.user = owner
    formats = clock_formats("24h")
    rows = list(client_page(owner=owner, params=QueryDict()))
    expected = "\n".join(
        render_to_string("clients/_client_row.html", {"row": row, "request": request, "clock_format": formats})
        .split("\n", 1)[1].strip() for row in rows)

    assert _client_rows_html(rows, zone=owner.timezone, datetime_format=formats["datetime"]) == expected
    assert len(rows) == 3 and "Ann &lt;O&#x27;Hara&gt; &amp; Co" in expected
    page = owner_client.get(URL).content.decode()
    assert rows_of(page) == 3 and expected.split("\n")[1] in page  # the first row's client cell
