"""DESIGN rule 10: a session of an order is booked at the length that was sold (the order item's
snapshot), whatever the meeting type's length is now. The owner shortens the 50-minute coaching
session to 25 minutes after an order was placed: that order's sessions are still offered, checked,
booked and moved at 50 minutes (the order page's cached picker included), an order placed after
the edit gets 25. A group session has one length: a seat sold at another length joins only
sessions of its own length. Buffers are the meeting type's as they are now (README, Package lifecycle,
"The length sold")."""
from datetime import timedelta

import pytest
from django.core.cache import cache

from orders.services import order_session_book
from orders.tests.conftest import place_order
from scheduling.availability import bookable_slot
from scheduling.booking_forms import OVERLAPS_CHOSEN, TIME_UNAVAILABLE
from scheduling.models import Booking
from scheduling.selectors import format_slot_start
from scheduling.services import BookingError, SlotUnavailable, booking_create
from tests import ELEVEN_AM, NINE_AM, TEN_AM, make_booking, make_meeting_type
from tests import race as shared_race

MONDAY = "2026-12-07"  # NINE_AM is 9:00 AM in New York that day; the owner is open 9:00-17:00
FOUR_PM = NINE_AM + timedelta(hours=7)
HALF_PAST_FOUR = FOUR_PM + timedelta(minutes=30)  # 25 minutes fit before 5:00 PM, 50 do not
FIFTY, TWENTY_FIVE = timedelta(minutes=50), timedelta(minutes=25)


def change(meeting_type, **fields):
    for name, value in fields.items():
        setattr(meeting_type, name, value)
    meeting_type.save()


def item_of(order, name="Coaching session"):
    return order.items.get(meeting_type_name=name)


def book_url(order, item) -> str:
    return f"/orders/{order.token}/items/{item.pk}/book/"


def page(client, url, **params) -> str:
    response = client.get(url, {"tz": "America/New_York", "date": MONDAY, **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def older_and_newer(package, coaching):
    """An order placed when coaching was 50 minutes, then one placed after it became 25."""
    older = place_order(package)
    change(coaching, duration_minutes=25)
    return older, place_order(package, email="newer@example.com")


def test_each_order_books_at_the_length_it_was_sold(older_and_newer):
    older, newer = older_and_newer
    assert order_session_book(item=item_of(older), start=NINE_AM).end == NINE_AM + FIFTY
    assert order_session_book(item=item_of(newer), start=ELEVEN_AM).end == ELEVEN_AM + TWENTY_FIVE


def test_a_time_is_checked_at_the_length_sold(client, owner, older_and_newer):
    older, newer = older_and_newer
    # 4:30 PM fits 25 minutes before closing, not 50: refused for the older order, with the message
    # beside the picker, and nothing is booked.
    response = client.post(book_url(older, item_of(older)) + "?tz=America/New_York",
                           {"start": format_slot_start(HALF_PAST_FOUR)})
    assert response.status_code == 200 and TIME_UNAVAILABLE in response.content.decode()
    with pytest.raises(SlotUnavailable):
        order_session_book(item=item_of(older), start=HALF_PAST_FOUR)
    assert not Booking.objects.exists()
    # A meeting at 9:30 leaves 9:00 free for 25 minutes, not for 50.
    make_booking(make_meeting_type(owner, name="Call"), NINE_AM + timedelta(minutes=30))
    with pytest.raises(SlotUnavailable):
        order_session_book(item=item_of(older), start=NINE_AM)
    assert order_session_book(item=item_of(newer), start=NINE_AM).end == NINE_AM + TWENTY_FIVE


def test_the_cached_picker_of_two_orders_of_one_meeting_type_keys_on_the_length_sold(client, older_and_newer):
    older, newer = older_and_newer
    for first, second in ((older, newer), (newer, older)):
        cache.clear()
        for fragment in ({}, {"fragment": "picker"}):  # the whole picker and the month fragment
            pages = {order: page(client, book_url(order, item_of(order)), **fragment) for order in (first, second)}
            assert ">4:00 PM<" in pages[older] and ">4:30 PM<" not in pages[older]
            assert ">4:00 PM<" in pages[newer] and ">4:30 PM<" in pages[newer]
    assert "50 min · 2 of 2 remaining" in page(client, book_url(older, item_of(older)))


def test_the_owner_books_a_session_of_the_older_order_at_the_length_sold(owner_client, older_and_newer):
    older, _newer = older_and_newer
    url = f"/dashboard/orders/{older.pk}/items/{item_of(older).pk}/book/"
    assert ">4:30 PM<" not in page(owner_client, url)
    response = owner_client.post(url + "?tz=America/New_York", {"start": format_slot_start(NINE_AM)})
    assert response.status_code == 302
    assert Booking.objects.get().end == NINE_AM + FIFTY


def test_a_session_moved_by_the_client_or_the_owner_keeps_the_length_sold(client, owner_client, package, coaching):
    order = place_order(package)
    booking = order_session_book(item=item_of(order), start=NINE_AM)
    change(coaching, duration_minutes=25)

    url = f"/bookings/{booking.token}/reschedule/"
    assert ">4:00 PM<" in page(client, url) and ">4:30 PM<" not in page(client, url)
    assert client.post(url + "?tz=America/New_York", {"start": format_slot_start(ELEVEN_AM)}).status_code == 302
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (ELEVEN_AM, ELEVEN_AM + FIFTY)
    assert "· 50 min" in client.get(f"/bookings/{booking.token}/").content.decode()

    url = f"/dashboard/orders/{order.pk}/bookings/{booking.pk}/reschedule/"
    assert ">4:30 PM<" not in page(owner_client, url)
    assert owner_client.post(url + "?tz=America/New_York", {"start": format_slot_start(TEN_AM)}).status_code == 302
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (TEN_AM, TEN_AM + FIFTY)


def test_several_sessions_booked_at_once_are_the_length_sold(client, older_and_newer):
    older, _newer = older_and_newer
    item = item_of(older)
    url = f"/orders/{older.token}/sessions/"
    assert ">4:30 PM<" not in page(client, url, item=item.pk)
    # 10:00 starts 10 minutes after 9:00 + 50 ends: the page itself refuses it as an overlap.
    both = f"{item.pk}@{format_slot_start(NINE_AM)},{item.pk}@{format_slot_start(TEN_AM - timedelta(minutes=30))}"
    assert OVERLAPS_CHOSEN in page(
        client, url, item=item.pk, picks=f"{item.pk}@{format_slot_start(NINE_AM)}",
        start=format_slot_start(TEN_AM - timedelta(minutes=30)))
    assert client.post(url + "?tz=America/New_York", {"picks": both}).status_code == 409
    chosen = f"{item.pk}@{format_slot_start(NINE_AM)},{item.pk}@{format_slot_start(ELEVEN_AM)}"
    assert client.post(url + "?tz=America/New_York", {"picks": chosen}).status_code == 302
    assert [(b.start, b.end) for b in Booking.objects.order_by("start")] == [
        (NINE_AM, NINE_AM + FIFTY), (ELEVEN_AM, ELEVEN_AM + FIFTY)]


def test_a_buffer_added_after_the_sale_applies_to_the_sessions_of_the_order(package, coaching):
    # Buffers are not sold: they keep the owner's calendar workable now.
    order = place_order(package)
    change(coaching, duration_minutes=25, buffer_after_minutes=15)
    order_session_book(item=item_of(order), start=NINE_AM)  # 9:00-9:50, then 15 minutes' rest
    with pytest.raises(SlotUnavailable):
        order_session_book(item=item_of(order), start=TEN_AM)
    assert order_session_book(item=item_of(order), start=TEN_AM + timedelta(minutes=30)).end == (
        TEN_AM + timedelta(minutes=30) + FIFTY)


def test_a_group_seat_sold_at_another_length_joins_only_sessions_of_its_own_length(client, package, workshop):
    ninety, sixty = timedelta(minutes=90), timedelta(minutes=60)
    first, second = place_order(package), place_order(package, email="second@example.com")  # sold at 90
    change(workshop, duration_minutes=60)
    newer = place_order(package, email="newer@example.com")  # sold at 60

    session = order_session_book(item=item_of(first, "Group workshop"), start=TEN_AM)
    assert session.end == TEN_AM + ninety
    # A seat sold at 90 joins it; its seats are counted among sessions of that length only.
    assert order_session_book(item=item_of(second, "Group workshop"), start=TEN_AM).end == TEN_AM + ninety
    assert bookable_slot(meeting_type=workshop, start=TEN_AM, duration=ninety).seats_left == 4
    # A seat sold at 60 cannot join it (nor start a session of its own over it), and neither can a
    # direct booking at the meeting type's length now; its page offers none of those times.
    for start in (TEN_AM, TEN_AM + timedelta(minutes=30), ELEVEN_AM):
        with pytest.raises(SlotUnavailable):
            order_session_book(item=item_of(newer, "Group workshop"), start=start)
    with pytest.raises(SlotUnavailable):
        booking_create(meeting_type=workshop, start=TEN_AM, client_name="Dee", client_email="dee@example.com")
    html = page(client, book_url(newer, item_of(newer, "Group workshop")))
    assert ">10:00 AM<" not in html and ">11:00 AM<" not in html and ">11:30 AM<" in html
    # It starts a 60-minute session after it, which a seat sold at 90 cannot join in turn.
    noon = TEN_AM + timedelta(hours=2)
    assert order_session_book(item=item_of(newer, "Group workshop"), start=noon).end == noon + sixty
    third = place_order(package, email="third@example.com")  # sold at 60 too: joins
    assert order_session_book(item=item_of(third, "Group workshop"), start=noon).end == noon + sixty
    assert bookable_slot(meeting_type=workshop, start=noon).seats_left == 4
    assert bookable_slot(meeting_type=workshop, start=noon, duration=ninety) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seats_sold_at_two_lengths_racing_for_one_empty_time_make_one_session_of_one_length(package, workshop):
    # Five seats sold at 90 minutes and five at 60 ask for the same free time at once (6 seats):
    # the first seat booked sets the session's length; only seats of that length join it.
    items = [item_of(place_order(package, email=f"ninety{n}@example.com"), "Group workshop") for n in range(5)]
    change(workshop, duration_minutes=60)
    items += [item_of(place_order(package, email=f"sixty{n}@example.com"), "Group workshop") for n in range(5)]

    booked, refusals = shared_race(len(items), lambda index: order_session_book(item=items[index], start=TEN_AM),
                                   BookingError)
    assert booked == 5 and refusals == ["That time was just taken. Please pick another time."] * 5
    lengths = {booking.end - booking.start for booking in Booking.objects.filter(start=TEN_AM)}
    assert len(lengths) == 1 and lengths <= {timedelta(minutes=90), timedelta(minutes=60)}
