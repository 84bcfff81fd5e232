"""The client's order details page: usage per item, booking sessions against the quota, rules 5-7,
and every refusal (bad token, another order's item, unpaid/cancelled/refunded orders, no credit left)."""
import re
from datetime import timedelta

import pytest

from orders.credits import ledger_adjust
from orders.models import OrderStatus
from orders.rules import NoSessionsLeft
from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import PackageState
from scheduling import booking_step
from scheduling.models import BookedBy, Booking, BookingStatus, MeetingTypeState
from scheduling.selectors import format_slot_start
from scheduling.services import BookingError, TooLateToChange, booking_cancel, booking_reschedule
from tests import ELEVEN_AM, NINE_AM, TEN_AM


def details_url(order) -> str:
    return f"/orders/{order.token}/"


def book_url(order, item) -> str:
    return f"/orders/{order.token}/items/{item.pk}/book/"


def book(client, order, item, start, follow=True):
    return client.post(book_url(order, item), {"start": format_slot_start(start)}, follow=follow)


def coaching_item(order):
    return order.items.get(meeting_type_name="Coaching session")


def test_the_page_shows_the_snapshot_usage_and_schedule_actions(client, package):
    order = place_order(package)
    html = client.get(details_url(order)).content.decode()
    assert "Starter pack" in html and "Two coaching sessions and a workshop." in html
    assert "Used 0 of 2" in html and "2 remaining" in html and "Used 0 of 1" in html
    assert html.count("Schedule<span") == 2
    assert 'role="progressbar"' in html
    assert "Active" in html


def test_a_client_books_a_session_in_their_time_zone_and_the_count_goes_up(client, package):
    order = place_order(package)
    item = coaching_item(order)
    picker = client.get(book_url(order, item) + "?tz=Europe/London&date=2026-12-07")
    assert picker.status_code == 200 and "2:00 PM" in picker.content.decode()  # 9:00 New York
    confirm = client.get(book_url(order, item) + f"?tz=Europe/London&date=2026-12-07&start={format_slot_start(NINE_AM)}")
    assert "Book this session" in confirm.content.decode()
    response = book(client, order, item, NINE_AM)
    html = response.content.decode()
    booking = Booking.objects.get()
    assert (booking.order_item_id, booking.start, booking.booked_by) == (item.pk, NINE_AM, BookedBy.CLIENT)
    assert (booking.client_name, booking.client_email) == ("Jamie Client", "jamie@example.com")
    assert "Used 1 of 2" in html and "1 remaining" in html
    assert f"/bookings/{booking.token}/" in html


def test_a_session_keeps_the_zone_the_client_chose_it_in_for_its_emails(client, package, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    """The order was placed in London; the client now books from Berlin: the booking, and so its
    confirmation and reminders, show Berlin times."""
    order = place_order(package)
    item = coaching_item(order)
    client.get(book_url(order, item) + "?tz=Europe/Berlin&date=2026-12-07")  # the zone is remembered
    with django_capture_on_commit_callbacks(execute=True):
        book(client, order, item, NINE_AM)
    assert Booking.objects.get().client_timezone == "Europe/Berlin"
    to_client = next(mail for mail in mailoutbox if mail.to == ["jamie@example.com"])
    assert "3:00 PM" in to_client.body and "(Europe/Berlin)" in to_client.body  # 9:00 New York


def test_the_order_page_and_its_picker_follow_the_visitors_clock(client, package):
    order = place_order(package)
    item = coaching_item(order)
    book(client, order, item, NINE_AM)
    german = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}

    html = client.get(details_url(order), **german).content.decode()
    assert "Mon 7 Dec 2026, 14:00" in html  # 9:00 New York, in the client's London
    picker = client.get(book_url(order, item) + "?date=2026-12-08", **german).content.decode()
    assert ">14:00<" in picker and not re.search(r"\d [AP]M\b", picker.split('id="picker-times"')[1])
    assert "Mon 7 Dec 2026, 2:00 PM" in client.get(details_url(order)).content.decode()


def test_a_used_up_item_has_no_schedule_action_and_refuses_one_more(client, package):
    order = place_order(package)
    item = coaching_item(order)
    book(client, order, item, NINE_AM)
    book(client, order, item, TEN_AM)
    html = client.get(details_url(order)).content.decode()
    assert "Used 2 of 2" in html and "All sessions used" in html and html.count("Schedule<span") == 1
    response = book(client, order, item, ELEVEN_AM)
    assert "No sessions left for this item." in response.content.decode()
    assert Booking.objects.count() == 2


def test_the_service_refuses_more_than_remains_even_when_the_page_was_stale(package):
    order = place_order(package)
    item = coaching_item(order)
    for start in (NINE_AM, TEN_AM):
        order_session_book(item=item, start=start)
    with pytest.raises(NoSessionsLeft):
        order_session_book(item=item, start=ELEVEN_AM)
    assert Booking.objects.count() == 2


def test_a_taken_time_is_refused_with_the_services_message(client, package, monkeypatch):
    order = place_order(package)
    other = place_order(package, email="someone@example.com")
    book(client, other, coaching_item(other), NINE_AM)
    response = book(client, order, coaching_item(order), NINE_AM)
    assert "That time is no longer available. Please pick another time." in response.content.decode()
    # Taken between the page's check and the service's lock: the service's message.
    monkeypatch.setattr(booking_step.TimeStep, "refusal", lambda self, start: "")
    response = book(client, order, coaching_item(order), NINE_AM)
    assert "That time was just taken. Please pick another time." in response.content.decode()
    assert Booking.objects.filter(order_item__order=order).count() == 0


def test_a_second_click_takes_no_second_seat_of_the_same_group_session(client, package):
    """A group workshop with two credits: posting the same time again (a double click, a second
    tab) does not put the client twice into one session, and the second credit stays to book."""
    order = place_order(package)
    workshop = order.items.get(meeting_type_name="Group workshop")
    ledger_adjust(item=workshop, change=1, note="A second workshop", by_user=None)
    book(client, order, workshop, NINE_AM)
    response = book(client, order, workshop, NINE_AM)
    assert "This order already has a session at that time." in response.content.decode()
    assert Booking.objects.filter(order_item=workshop).count() == 1
    assert "Used 1 of 2" in client.get(details_url(order)).content.decode()


def test_a_session_is_not_moved_into_a_group_session_the_order_is_already_in(package):
    order = place_order(package)
    workshop = order.items.select_related("order").get(meeting_type_name="Group workshop")
    ledger_adjust(item=workshop, change=1, note="A second workshop", by_user=None)
    order_session_book(item=workshop, start=NINE_AM)
    later = order_session_book(item=workshop, start=ELEVEN_AM)
    with pytest.raises(BookingError, match="This order already has a session at that time."):
        booking_reschedule(booking=later, new_start=NINE_AM)
    later.refresh_from_db()
    assert later.start == ELEVEN_AM


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (OrderStatus.PENDING_PAYMENT, "Complete payment to start booking your sessions."),
        (OrderStatus.CANCELLED, "This order was cancelled."),
        (OrderStatus.REFUNDED, "This order was refunded."),
        (OrderStatus.EXPIRED, "This order expired"),
    ],
)
def test_an_order_that_is_not_active_books_nothing(client, package, status, message):
    order = place_order(package, status=status)
    html = client.get(details_url(order)).content.decode()
    assert message in html and "Schedule<span" not in html
    response = book(client, order, coaching_item(order), NINE_AM)
    assert message in response.content.decode()
    assert client.get(book_url(order, coaching_item(order))).status_code == 302
    assert Booking.objects.count() == 0


def test_a_pending_order_offers_to_complete_payment(client, package):
    order = place_order(package, status=OrderStatus.PENDING_PAYMENT)
    html = client.get(details_url(order)).content.decode()
    assert "Complete payment" in html and f"/payments/checkout/{order.token}/" in html


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 300, "..%2F..%2Fetc", "%00" * 5])
def test_an_unknown_or_malformed_token_is_not_found(client, package, token):
    place_order(package)
    assert client.get(f"/orders/{token}/").status_code == 404
    assert client.post(f"/orders/{token}/items/1/book/", {"start": format_slot_start(NINE_AM)}).status_code == 404


def test_an_item_of_another_order_is_not_found(client, package):
    order = place_order(package)
    other = place_order(package, email="other@example.com")
    response = client.post(book_url(order, coaching_item(other)), {"start": format_slot_start(NINE_AM)})
    assert response.status_code == 404
    assert client.get(book_url(order, coaching_item(other))).status_code == 404
    assert client.get(f"/orders/{order.token}/items/999999/book/").status_code == 404
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-12-07T14:00:00", "2026-13-45T99:00:00Z", "2026-12-07T14:07:00Z"])
def test_a_malformed_or_off_grid_time_gets_a_message_and_books_nothing(client, package, start):
    order = place_order(package)
    response = client.post(book_url(order, coaching_item(order)), {"start": start}, follow=True)
    assert response.status_code == 200
    assert "Please pick" in response.content.decode() or "Pick a time" in response.content.decode()
    assert Booking.objects.count() == 0


def test_rule_5_a_disabled_or_deleted_package_keeps_its_orders_bookable(client, package):
    order = place_order(package)
    for state in (PackageState.DISABLED, PackageState.DELETED):
        package.state = state
        package.save()
    book(client, order, coaching_item(order), NINE_AM)
    assert Booking.objects.filter(order_item__order=order).count() == 1


@pytest.mark.parametrize("state", [MeetingTypeState.DISABLED, MeetingTypeState.DELETED])
def test_rule_6_an_item_whose_meeting_type_is_gone_says_so_and_keeps_its_count(client, package, coaching, state):
    order = place_order(package)
    item = coaching_item(order)
    book(client, order, item, NINE_AM)
    coaching.state = state
    coaching.save()
    html = client.get(details_url(order)).content.decode()
    assert "This meeting type can no longer be scheduled" in html
    assert "Used 1 of 2" in html and "1 remaining" in html
    assert html.count("Schedule<span") == 1  # the workshop only
    response = book(client, order, item, TEN_AM)
    assert "This meeting type can no longer be scheduled" in response.content.decode()
    assert Booking.objects.count() == 1


def test_rule_7_rescheduling_keeps_the_credit_and_cancelling_gives_it_back(client, package):
    order = place_order(package)
    item = coaching_item(order)
    book(client, order, item, NINE_AM)
    booking = Booking.objects.get()
    booking_reschedule(booking=booking, new_start=ELEVEN_AM)
    html = client.get(details_url(order)).content.decode()
    assert "Used 1 of 2" in html
    booking_cancel(booking=Booking.objects.get())
    html = client.get(details_url(order)).content.decode()
    assert "Used 0 of 2" in html and "2 remaining" in html and "Cancelled" in html


def test_changes_respect_the_minimum_notice(package, coaching):
    coaching.min_notice_minutes = 7 * 24 * 60
    coaching.save()
    order = place_order(package)
    booking = order_session_book(item=coaching_item(order), start=NINE_AM, booked_by=BookedBy.OWNER)
    for change in (lambda: booking_reschedule(booking=booking, new_start=ELEVEN_AM),
                   lambda: booking_cancel(booking=booking)):
        with pytest.raises(TooLateToChange):
            change()
    booking.refresh_from_db()
    assert (booking.start, booking.status) == (NINE_AM, BookingStatus.CONFIRMED)


@pytest.mark.parametrize("bookings", [1, 4])
def test_the_details_page_runs_a_fixed_number_of_queries(client, package, bookings, django_assert_num_queries):
    order = place_order(package)
    item = coaching_item(order)
    ledger_adjust(item=item, change=8, note="Ten sessions for this test", by_user=None)
    for n in range(bookings):
        order_session_book(item=item, start=NINE_AM + timedelta(hours=n))
    # order + owner, items with used counts and meeting types, bookings, its invoices (through
    # orders.signals.order_page_sections; none here)
    with django_assert_num_queries(4):
        assert client.get(details_url(order)).status_code == 200


def test_a_sessions_booking_and_reschedule_pages_name_it_as_sold_after_the_type_is_renamed(client, package, coaching):
    """The order keeps the name it was sold with (its page, its emails): so do the session's own
    booking page and its reschedule page, though the coach renamed the meeting type since."""
    order = place_order(package)
    booking = order_session_book(item=coaching_item(order), start=NINE_AM)
    coaching.name = "Renamed call"
    coaching.save()

    page = client.get(f"/bookings/{booking.token}/").content.decode()
    move = client.get(f"/bookings/{booking.token}/reschedule/").content.decode()

    assert "Coaching session" in page and "Renamed call" not in page
    assert "Reschedule Coaching session" in move and "Renamed call" not in move


@pytest.mark.parametrize("path", ["/orders/{token}/?booked=²", "/orders/{token}/calendar.ics?booking=²",
                                  "/orders/{token}/sessions/?item=²", "/orders/{token}/sessions/?picks=²@x",
                                  "/orders/{token}/sessions/?picks={pick}&repeat={pick}&weeks=²"])
def test_a_number_written_in_other_digits_in_an_order_link_is_ignored_not_a_server_error(client, package, path):
    order = place_order(package)
    item = order.items.get(meeting_type_name="Coaching session")
    order_session_book(item=item, start=NINE_AM)
    pick = f"{item.pk}@{format_slot_start(NINE_AM + timedelta(days=1))}"
    response = client.get(path.format(token=order.token, pick=pick))
    assert response.status_code in (200, 404)
