"""One client's page (orders with balances, sessions upcoming and past with their status, payments,
answers, messages) and their data as a JSON download; neither reachable by another owner."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from clients.selectors import client_reference
from orders.gifts import GiftDetails
from orders.services import order_create
from scheduling.models import Attendance, BookingStatus
from tests import NOW, make_booking

from .conftest import book_next_week, paid_order, pay


def urls(owner, email="jamie@example.com") -> dict[str, str]:
    reference = client_reference(owner_id=owner.pk, email=email)
    return {name: reverse(f"clients:{name}", args=[reference]) for name in ("detail", "export", "erase")}


@pytest.fixture
def jamie(owner, package, coaching):
    order = paid_order(package, phone="+447700900123")
    book_next_week(order)
    make_booking(coaching, NOW - timedelta(days=5), client_name="Jamie Rivers", client_email="jamie@example.com",
                 attendance=Attendance.NO_SHOW)
    make_booking(coaching, NOW - timedelta(days=9), client_name="J. Rivers", client_email="JAMIE@example.com",
                 status=BookingStatus.CANCELLED)
    return order


def test_the_list_links_to_the_clients_page(owner, owner_client, jamie):
    html = owner_client.get(reverse("clients:list")).content.decode()

    assert f'href="{urls(owner)["detail"]}"' in html


def test_the_clients_page_shows_everything_held_about_them(owner, owner_client, jamie):
    html = owner_client.get(urls(owner)["detail"]).content.decode()

    assert "Jamie Rivers" in html and "J. Rivers" in html and "+447700900123" in html
    assert "Starter pack" in html and "1 used · 1 left" in html  # the order with its balance
    upcoming, past = html.split("Upcoming sessions")[1].split("Past and cancelled sessions")
    assert "7 Dec 2026" in upcoming and "Confirmed" in upcoming
    assert "No-show" in past and "Cancelled" in past
    assert "120.00 USD" in html.split("Payments")[-1]  # the payment
    assert "Your goal?" in html and "Run a marathon" in html  # the answers
    assert "Order confirmation" in html  # a message sent about their order
    assert 'href="' + urls(owner)["export"] + '"' in html and 'href="' + urls(owner)["erase"] + '"' in html


def test_an_order_with_tax_on_top_shows_what_the_client_paid_as_its_payment_does(owner, owner_client, package):
    from invoices.services import invoice_settings_save

    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("20"),
                          prices_include_tax=False, number_prefix="INV-", footer="", tax_name="VAT")
    order = paid_order(package)
    assert order.total_price == Decimal("144.00")  # 120.00 and 20 % VAT

    html = owner_client.get(urls(owner)["detail"]).content.decode()

    orders = html.split('id="orders-heading"')[1].split("</section>")[0]
    assert "144.00 USD" in orders and "120.00 USD" not in orders
    assert "144.00 USD" in html.split('id="payments-heading"')[1]


def test_a_paid_sessions_payment_names_the_session_in_the_owners_zone(owner, owner_client, coaching):
    from payments.models import Payment, PaymentStatus, Provider

    from .conftest import NEXT_WEEK

    booking = make_booking(coaching, NEXT_WEEK, client_name="Jamie Rivers", client_email="jamie@example.com")
    Payment.objects.create(booking=booking, provider=Provider.TEST, status=PaymentStatus.CONFIRMED,
                           amount=Decimal("90.00"), currency="USD", confirmed_at=NOW)

    html = owner_client.get(urls(owner)["detail"]).content.decode()

    payments = html.split('id="payments-heading"')[1].split("</section>")[0]
    assert "Coaching session on 7 Dec 2026, 10:00" in payments  # 15:00 UTC is 10:00 in New York
    assert "15:00" not in payments and "UTC" not in payments


def test_the_export_is_a_json_download_of_their_orders_bookings_answers_payments_and_messages(
        owner, owner_client, jamie):
    response = owner_client.get(urls(owner)["export"])

    data = json.loads(response.content)
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="client-')
    assert response["Cache-Control"] == "no-store"
    assert data["client"] == {"email": "jamie@example.com", "names": ["Jamie Rivers", "J. Rivers"],
                              "phones": ["+447700900123"]}
    [order] = data["orders"]
    assert (order["package"], order["price"], order["sessions_left"]) == ("Starter pack", "120.000", 1)
    assert order["answers"] == [{"question": "Your goal?", "kind": "short_text", "answer": "Run a marathon"}]
    assert sorted(booking["attendance"] for booking in data["bookings"]) == ["No-show", "Not marked", "Not marked"]
    assert [(payment["amount"], payment["status"]) for payment in data["payments"]] == [("120.000", "Paid")]
    assert "Order confirmation" in {message["kind"] for message in data["messages"]}
    assert all(message["recipient"] for message in data["messages"])


@pytest.mark.parametrize("page", ["detail", "export", "erase"])
def test_another_owner_gets_404_for_the_clients_pages(owner, other_owner_client, jamie, page):
    get = other_owner_client.get(urls(owner)[page])
    post = other_owner_client.post(urls(owner)[page], {"confirm": "on"})

    assert (get.status_code, post.status_code) == (404, 404)
    assert jamie.__class__.objects.get(pk=jamie.pk).client_name == "Jamie Rivers"


@pytest.mark.parametrize("reference", ["0" * 24, "not-a-reference", "A" * 24, "a" * 500, "%00"])
def test_a_reference_that_names_no_client_of_the_owner_is_404(owner_client, jamie, reference):
    assert owner_client.get(f"/dashboard/clients/{reference}/").status_code == 404


def test_a_visitor_is_sent_to_log_in(client, owner, jamie):
    response = client.get(urls(owner)["detail"])

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_client_who_only_booked_a_single_session_has_a_page(owner, owner_client, coaching):
    make_booking(coaching, NOW - timedelta(days=2), client_name="Sam Single", client_email="sam@example.com")

    html = owner_client.get(urls(owner, "sam@example.com")["detail"]).content.decode()

    assert "Sam Single" in html and "No orders: this client booked single sessions." in html


def test_a_gift_recipients_export_holds_what_concerns_them_and_the_buyer_keeps_what_they_were_sent(
        owner, owner_client, package, django_capture_on_commit_callbacks):
    """Jamie buys Kim a pack: once paid the order is Kim's, but its receipt (and the note that the gift
    was delivered) went to Jamie, at Jamie's address, and the mobile number given with it is Jamie's:
    those are in Jamie's export, not in Kim's."""
    with django_capture_on_commit_callbacks(execute=True):
        paid_order(package)  # Jamie is a client of their own
        gift_order = order_create(package=package, client_name="Jamie Rivers", client_email="jamie@example.com",
                                  client_phone="+447700900123", terms_accepted=True, client_timezone="Europe/London",
                                  gift=GiftDetails(recipient_name="Kim Lee", recipient_email="kim@example.com",
                                                   message="Enjoy!", send_on=NOW.date()))
        pay(gift_order)

    kims = json.loads(owner_client.get(urls(owner, "kim@example.com")["export"]).content)
    jamies = json.loads(owner_client.get(urls(owner)["export"]).content)
    kims_page = owner_client.get(urls(owner, "kim@example.com")["detail"]).content.decode()

    assert "jamie@example.com" not in json.dumps(kims).lower() and "7700900123" not in json.dumps(kims)
    assert "jamie@example.com" not in kims_page.lower()
    assert jamies["client"]["phones"] == ["+447700900123"]
    assert {message["kind"] for message in kims["messages"] if message["to"] == "Client"} == {
        "Gift sent to its recipient"}
    sent_to_jamie = {message["kind"] for message in jamies["messages"] if message["recipient"] == "jamie@example.com"}
    assert {"Order confirmation", "Gift delivered (to the buyer)"} <= sent_to_jamie
    assert len([message for message in jamies["messages"] if message["kind"] == "Order confirmation"]) == 2


def _history(package, coaching, orders: int) -> None:
    for n in range(orders):
        order = paid_order(package, answer=f"Goal {n}")
        make_booking(coaching, NOW - timedelta(days=n + 1), client_name="Jamie Rivers",
                     client_email="jamie@example.com", order_item=order.items.get())
        make_booking(coaching, NOW - timedelta(days=n + 1, hours=3), client_name="Jamie Rivers",
                     client_email="jamie@example.com")


@pytest.mark.parametrize("orders", [1, 6])
def test_the_clients_page_takes_the_same_number_of_queries_for_1_or_6_orders(owner, owner_client, package, coaching,
                                                                             orders, django_assert_num_queries):
    _history(package, coaching, orders)
    url = urls(owner)["detail"]

    with django_assert_num_queries(8):  # one of them: the gifts they bought (their receipts are theirs)
        html = owner_client.get(url).content.decode()

    assert html.count("Goal ") == orders
