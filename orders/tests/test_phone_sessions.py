"""A phone meeting where the host calls the client needs the client's number on every path that
books a session of an order (orders.rules.client_phone_needed): the client's one session and
several at once, the owner's "Book for client". An order placed without a number asks for it on the
confirm step, beside the field, labelled as the single booking page labels it; the number given is
kept on the order, so the next session does not ask again."""
from html import escape
from urllib.parse import urlencode

import pytest

from orders.models import PackageOrder
from orders.rules import ClientPhoneMissing
from orders.services import order_session_book
from orders.tests.conftest import place_order
from scheduling.booking_forms import CLIENT_MOBILE_REQUIRED, MOBILE_LABEL, MOBILE_REQUIRED, BookingDetailsForm
from scheduling.models import Booking, LocationKind, PhoneCaller
from scheduling.selectors import format_slot_start
from tests import NINE_AM, TEN_AM


@pytest.fixture
def host_calls(package, coaching):
    coaching.location_kind, coaching.phone_caller = LocationKind.PHONE, PhoneCaller.HOST
    coaching.save()
    return package


def coaching_item(order):
    return order.items.get(meeting_type_name="Coaching session")


def book_url(order, item) -> str:
    return f"/orders/{order.token}/items/{item.pk}/book/"


def test_the_client_is_asked_for_their_number_with_the_single_booking_pages_label(client, host_calls):
    order = place_order(host_calls)
    item = coaching_item(order)

    page = client.get(book_url(order, item) + f"?start={format_slot_start(NINE_AM)}").content.decode()

    assert MOBILE_LABEL == BookingDetailsForm().fields["client_phone"].label
    assert f'<label for="id_client_phone">{MOBILE_LABEL}' in page
    assert 'type="tel"' in page


def test_a_session_without_the_number_is_refused_beside_the_field_and_nothing_is_booked(client, host_calls):
    order = place_order(host_calls)
    item = coaching_item(order)

    response = client.post(book_url(order, item), {"start": format_slot_start(NINE_AM), "client_phone": " "})

    assert response.status_code == 200
    assert MOBILE_REQUIRED in response.content.decode()
    assert 'class="field field-invalid"' in response.content.decode()
    assert not Booking.objects.exists()
    assert PackageOrder.objects.get().client_phone == ""


def test_a_number_that_is_not_one_is_refused_beside_the_field(client, host_calls):
    order = place_order(host_calls)
    item = coaching_item(order)

    response = client.post(book_url(order, item), {"start": format_slot_start(NINE_AM), "client_phone": "12"})

    assert "field-invalid" in response.content.decode()
    assert not Booking.objects.exists()


def test_the_number_given_is_on_the_booking_and_kept_for_the_next_session(client, host_calls):
    order = place_order(host_calls)
    item = coaching_item(order)

    client.post(book_url(order, item), {"start": format_slot_start(NINE_AM), "client_phone": "+1 202 555 0123"})

    assert Booking.objects.get().client_phone == "+12025550123"
    assert PackageOrder.objects.get().client_phone == "+12025550123"
    page = client.get(book_url(order, item) + f"?start={format_slot_start(TEN_AM)}").content.decode()
    assert 'name="client_phone"' not in page


def test_a_number_written_as_at_home_is_read_in_the_clients_country(client, host_calls):
    order = place_order(host_calls)
    PackageOrder.objects.filter(pk=order.pk).update(client_timezone="America/Chicago")
    item = coaching_item(order)

    client.post(book_url(order, item), {"start": format_slot_start(NINE_AM), "client_phone": "(202) 555-0123"})

    assert Booking.objects.get().client_phone == "+12025550123"


def test_an_order_with_a_number_is_not_asked_again(client, host_calls):
    order = place_order(host_calls)
    PackageOrder.objects.filter(pk=order.pk).update(client_phone="+12025550123")  # its package asked for it
    order.refresh_from_db()
    item = coaching_item(order)

    page = client.get(book_url(order, item) + f"?start={format_slot_start(NINE_AM)}").content.decode()
    client.post(book_url(order, item), {"start": format_slot_start(NINE_AM)})

    assert 'name="client_phone"' not in page
    assert Booking.objects.get().client_phone == "+12025550123"


def test_several_sessions_at_once_without_the_number_are_refused_beside_the_field(client, host_calls):
    order = place_order(host_calls)
    item = coaching_item(order)
    picks = ",".join(f"{item.pk}@{format_slot_start(start)}" for start in (NINE_AM, TEN_AM))
    url = f"/orders/{order.token}/sessions/?{urlencode({'tz': 'America/New_York'})}"

    page = client.get(url + f"&picks={picks}").content.decode()
    assert f'<label for="id_client_phone">{MOBILE_LABEL}' in page
    response = client.post(url, {"picks": picks, "client_phone": ""})

    assert response.status_code == 400
    assert MOBILE_REQUIRED in response.content.decode()
    assert not Booking.objects.exists()

    client.post(url, {"picks": picks, "client_phone": "+12025550123"})
    assert list(Booking.objects.values_list("client_phone", flat=True)) == ["+12025550123"] * 2


def test_the_owner_booking_for_the_client_enters_the_clients_number(owner_client, host_calls):
    order = place_order(host_calls)
    item = coaching_item(order)
    url = f"/dashboard/orders/{order.pk}/items/{item.pk}/book/"

    page = owner_client.get(url + f"?start={format_slot_start(NINE_AM)}").content.decode()
    assert f'<label for="id_client_phone">{MOBILE_LABEL}' in page
    response = owner_client.post(url, {"start": format_slot_start(NINE_AM)})

    assert escape(CLIENT_MOBILE_REQUIRED) in response.content.decode()
    assert not Booking.objects.exists()

    owner_client.post(url, {"start": format_slot_start(NINE_AM), "client_phone": "+12025550123"})
    assert Booking.objects.get().client_phone == "+12025550123"


def test_the_service_refuses_a_session_without_a_number_whatever_the_page(host_calls):
    order = place_order(host_calls)

    with pytest.raises(ClientPhoneMissing):
        order_session_book(item=coaching_item(order), start=NINE_AM)

    assert not Booking.objects.exists()


def test_a_meeting_where_the_client_calls_asks_for_no_number(client, package, coaching):
    coaching.location_kind, coaching.phone_caller = LocationKind.PHONE, PhoneCaller.CLIENT
    coaching.location_details = "+12025550199"
    coaching.save()
    order = place_order(package)
    item = coaching_item(order)

    page = client.get(book_url(order, item) + f"?start={format_slot_start(NINE_AM)}").content.decode()
    client.post(book_url(order, item), {"start": format_slot_start(NINE_AM)})

    assert 'name="client_phone"' not in page
    assert Booking.objects.get().client_phone == ""
