"""The client's booking page /bookings/<token>/: see, reschedule, cancel."""
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from orders.models import OrderItem, OrderStatus, PackageOrder
from orders.services import order_session_book
from scheduling import booking_step
from scheduling.models import BookedBy, Booking, BookingStatus, MeetingTypeState
from scheduling.services import booking_create
from tests import NOW, make_meeting_type, make_package, open_ledgers, set_weekly_hours

# Tuesday 1 December 2026, 07:00 in New York (the `owner` fixture's zone).
UNAVAILABLE = "That time is no longer available. Please pick another time."


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    return make_meeting_type(owner, name="Intro call", slug="intro", location_details="https://meet.example.com/casey")


@pytest.fixture
def booking(meeting_type):
    # Wednesday 2 December, 10:00 in New York; the client lives in Berlin (16:00 there).
    return booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 2, 15, tzinfo=UTC),
                          client_name="Cleo Client", client_email="cleo@example.com",
                          client_timezone="Europe/Berlin")


def manage_url(booking) -> str:
    return reverse("bookings:manage", args=[booking.token])


def reschedule_url(booking) -> str:
    return reverse("bookings:reschedule", args=[booking.token])


def cancel_url(booking) -> str:
    return reverse("bookings:cancel", args=[booking.token])


def test_booking_page_shows_the_booking_in_the_clients_zone(client, booking):
    response = client.get(manage_url(booking))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Intro call" in html
    assert "Wednesday, 2 December 2026 at 4:00 PM" in html and "Europe/Berlin" in html
    assert "https://meet.example.com/casey" in html
    assert "Confirmed" in html
    assert reschedule_url(booking) in html and cancel_url(booking) in html
    assert "Booking confirmed" not in html


@pytest.mark.parametrize("token", ["nope", "x" * 65, "a" * 500, "%00", "..", "' OR 1=1 --"])
def test_an_unknown_or_malformed_token_is_404(client, booking, token):
    assert client.get(f"/bookings/{token}/").status_code == 404
    assert client.post(f"/bookings/{token}/cancel/", {"reason": "x"}).status_code == 404
    assert client.get(f"/bookings/{token}/reschedule/").status_code == 404
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


# --- Rescheduling -----------------------------------------------------------------------------


def test_client_reschedules_with_the_slot_picker(client, booking):
    picker = client.get(reschedule_url(booking), {"tz": "America/New_York", "date": "2026-12-03"}).content.decode()
    assert "Thursday, 3 December 2026" in picker
    assert "start=2026-12-03T19%3A00%3A00Z" in picker

    confirm = client.get(reschedule_url(booking), {"tz": "America/New_York", "start": "2026-12-03T19:00:00Z"})
    assert "Thursday, 3 December 2026 at 2:00 PM" in confirm.content.decode()

    response = client.post(reschedule_url(booking), {"start": "2026-12-03T19:00:00Z"})

    assert response.status_code == 302 and response["Location"] == manage_url(booking)
    booking.refresh_from_db()
    assert booking.start == datetime(2026, 12, 3, 19, tzinfo=UTC)
    assert booking.sequence == 1
    assert "Your booking was moved" in client.get(manage_url(booking)).content.decode()


def test_the_booking_being_moved_does_not_block_its_own_neighbourhood(client, meeting_type):
    long_type = make_meeting_type(meeting_type.owner, slug="long", duration_minutes=60)
    booking = booking_create(meeting_type=long_type, start=datetime(2026, 12, 2, 15, tzinfo=UTC),
                             client_name="Cleo", client_email="cleo@example.com")

    picker = client.get(reschedule_url(booking), {"tz": "America/New_York", "date": "2026-12-02"}).content.decode()

    # 10:30 overlaps the booking's own current time: offered, because it is the one moving.
    assert "start=2026-12-02T15%3A30%3A00Z" in picker


@pytest.mark.parametrize("start", ["garbage", "2026-11-30T15:00:00Z", "2026-12-02T15:10:00Z",
                                   "2026-12-02T03:00:00Z", "", "2026-12-02T15:00:00"])
def test_a_bad_new_time_is_refused_and_changes_nothing(client, booking, start):
    response = client.post(reschedule_url(booking), {"start": start})

    assert response.status_code == 200
    assert UNAVAILABLE in response.content.decode() or "That time was just taken" in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == datetime(2026, 12, 2, 15, tzinfo=UTC) and booking.sequence == 0


def test_a_bad_time_in_the_reschedule_link_shows_the_picker_with_a_message(client, booking):
    response = client.get(reschedule_url(booking), {"start": "2026-12-02T15:10:00Z"})

    assert UNAVAILABLE in response.content.decode()
    assert "Pick a new date" in response.content.decode()


def test_a_time_taken_by_someone_else_is_refused(client, booking, meeting_type, monkeypatch):
    booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 3, 19, tzinfo=UTC),
                   client_name="Other", client_email="other@example.com")

    response = client.post(reschedule_url(booking), {"start": "2026-12-03T19:00:00Z"})
    assert UNAVAILABLE in response.content.decode()
    # Taken between the page's check and the service's lock: the service says so.
    monkeypatch.setattr(booking_step.TimeStep, "refusal", lambda self, start: "")
    response = client.post(reschedule_url(booking), {"start": "2026-12-03T19:00:00Z"})

    assert "That time was just taken" in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == datetime(2026, 12, 2, 15, tzinfo=UTC)


# --- Cancelling -------------------------------------------------------------------------------


def test_client_cancels_with_a_reason(client, booking):
    response = client.post(cancel_url(booking), {"reason": "Something came up"}, follow=True)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancel_reason == "Something came up"
    assert booking.cancelled_by == BookedBy.CLIENT
    html = response.content.decode()
    assert "This booking was cancelled" in html
    assert reverse("public:book_meeting", args=[booking.owner.slug, booking.meeting_type.slug]) in html
    assert cancel_url(booking) not in html


def test_cancelling_frees_the_time_and_it_can_be_booked_again(client, booking, meeting_type):
    book_url = reverse("public:book_meeting", args=[meeting_type.owner.slug, meeting_type.slug])
    day = {"tz": "America/New_York", "date": "2026-12-02"}
    assert "start=2026-12-02T15%3A00%3A00Z" not in client.get(book_url, day).content.decode()

    client.post(cancel_url(booking), {"reason": ""})

    assert "start=2026-12-02T15%3A00%3A00Z" in client.get(book_url, day).content.decode()
    response = client.post(book_url, {"start": "2026-12-02T15:00:00Z", "client_name": "Dana",
                                      "client_email": "dana@example.com", "client_timezone": "America/New_York"})
    assert response.status_code == 302
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED, start=booking.start).count() == 1


def test_cancelling_twice_says_so_and_changes_nothing(client, booking):
    client.post(cancel_url(booking), {"reason": "First"})

    response = client.post(cancel_url(booking), {"reason": "Second"}, follow=True)

    assert "This booking was already cancelled." in response.content.decode()
    booking.refresh_from_db()
    assert booking.cancel_reason == "First"


def test_a_cancelled_booking_cannot_be_rescheduled(client, booking):
    client.post(cancel_url(booking), {"reason": ""})

    response = client.post(reschedule_url(booking), {"start": "2026-12-03T19:00:00Z"}, follow=True)

    assert "This booking was cancelled." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.start == datetime(2026, 12, 2, 15, tzinfo=UTC)


def test_a_too_long_reason_is_refused(client, booking):
    response = client.post(cancel_url(booking), {"reason": "x" * 2001}, follow=True)

    assert "The reason is too long (2,000 characters at most)" in response.content.decode()
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_cancel_by_get_is_not_allowed(client, booking):
    assert client.get(cancel_url(booking)).status_code == 405
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


# --- Minimum notice and the past ---------------------------------------------------------------


@pytest.fixture
def soon_booking(owner, meeting_type):
    # 24 hours' notice; the session is in 3 hours. The owner booked it on the client's behalf.
    meeting_type.min_notice_minutes = 24 * 60
    meeting_type.save()
    return booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 1, 15, tzinfo=UTC),
                          client_name="Cleo", client_email="cleo@example.com", booked_by=BookedBy.OWNER)


def test_inside_the_minimum_notice_the_page_says_why_and_offers_no_changes(client, soon_booking):
    html = client.get(manage_url(soon_booking)).content.decode()

    assert "starts too soon to be changed online" in html
    assert "1 day" in html
    assert cancel_url(soon_booking) not in html


def test_inside_the_minimum_notice_cancel_and_reschedule_are_refused(client, soon_booking):
    cancel = client.post(cancel_url(soon_booking), {"reason": "late"}, follow=True)
    assert "too close to change online" in cancel.content.decode()

    reschedule = client.post(reschedule_url(soon_booking), {"start": "2026-12-07T15:00:00Z"}, follow=True)
    assert "starts too soon to be changed online" in reschedule.content.decode()

    soon_booking.refresh_from_db()
    assert soon_booking.status == BookingStatus.CONFIRMED
    assert soon_booking.start == datetime(2026, 12, 1, 15, tzinfo=UTC)


def test_a_past_booking_cannot_be_changed(client, booking):
    with time_machine.travel(datetime(2026, 12, 5, tzinfo=UTC), tick=False):
        html = client.get(manage_url(booking)).content.decode()
        response = client.post(cancel_url(booking), {"reason": ""}, follow=True)
        client.get(reschedule_url(booking))

    assert "already started or is in the past" in html
    assert "already taken place" in response.content.decode()
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_a_disabled_meeting_type_keeps_the_booking_page_working(client, booking, meeting_type):
    meeting_type.state = MeetingTypeState.DISABLED
    meeting_type.save()
    client.post(cancel_url(booking), {"reason": ""})

    html = client.get(manage_url(booking)).content.decode()

    assert "This booking was cancelled" in html
    assert reverse("public:owner_page", args=[meeting_type.owner.slug]) in html


def test_a_booking_of_a_disabled_meeting_type_offers_no_move_and_can_still_be_cancelled(client, booking, meeting_type):
    meeting_type.state = MeetingTypeState.DISABLED
    meeting_type.save()

    html = client.get(manage_url(booking)).content.decode()
    response = client.get(reschedule_url(booking))

    # booking_reschedule refuses it: say so before the client picks and confirms a time.
    assert "This meeting type can no longer be scheduled." in html
    assert reschedule_url(booking) not in html and cancel_url(booking) in html
    assert response.status_code == 302 and response["Location"] == manage_url(booking)


# --- Bookings of a package order ---------------------------------------------------------------


def test_a_package_session_links_back_to_its_order(client, owner, meeting_type):
    package = make_package(owner, items=[(meeting_type, 3)], name="Three sessions")
    order = PackageOrder.objects.create(
        owner=owner, package=package, status=OrderStatus.ACTIVE, client_name="Cleo",
        client_email="cleo@example.com", title="Three sessions", price=Decimal("90.00"), currency="USD",
    )
    item = OrderItem.objects.create(order=order, meeting_type=meeting_type, meeting_type_name="Intro call",
                                    duration_minutes=30, kind=meeting_type.kind, quantity=3)
    open_ledgers()
    booking = order_session_book(item=item, start=datetime(2026, 12, 2, 15, tzinfo=UTC))

    html = client.get(manage_url(booking)).content.decode()

    assert reverse("order_details:detail", args=[order.token]) in html
    assert "Three sessions" in html


@pytest.mark.parametrize("count", [1, 5])
def test_booking_page_query_count_is_constant(client, meeting_type, django_assert_num_queries, count):
    bookings = [
        booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 2, 14 + hour, tzinfo=UTC),
                       client_name="Cleo", client_email="cleo@example.com")
        for hour in range(count)
    ]
    # The booking with its meeting type, owner and order, in one query.
    with django_assert_num_queries(1):
        assert client.get(manage_url(bookings[-1])).status_code == 200


def test_picking_the_current_time_again_says_so(client, booking):
    response = client.get(reschedule_url(booking), {"start": "2026-12-02T15:00:00Z"})

    assert "already the session&#x27;s time" in response.content.decode()
    assert "Pick a new date" in response.content.decode()


def test_the_reschedule_picker_does_not_offer_the_current_time(client, booking):
    html = client.get(reschedule_url(booking), {"tz": "America/New_York", "date": "2026-12-02"}).content.decode()

    assert "start=2026-12-02T15%3A00%3A00Z" not in html
    assert "start=2026-12-02T15%3A30%3A00Z" in html


HELD_NOTICE = "This time is held while the payment is pending, so there is nothing to reschedule yet."


@pytest.fixture
def held_booking(owner, settings):
    """A paid session whose client has not paid yet (status held), with the test provider only."""
    from scheduling.holds import booking_hold

    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True
    set_weekly_hours(owner, {day: [(time(9), time(17))] for day in range(5)})
    paid = make_meeting_type(owner, name="Paid hour", slug="paid-hour", price=Decimal("90"), payment_medium="stripe")
    return booking_hold(meeting_type=paid, start=datetime(2026, 12, 2, 15, tzinfo=UTC), client_name="Cleo Client",
                        client_email="cleo@example.com", now=NOW)


def test_a_held_booking_opened_on_its_reschedule_page_says_it_is_held_not_cancelled(client, held_booking):
    # Its reschedule link offered the picker, and choosing a time said "This booking was already
    # cancelled." Now the link says what is true and leads to the payment, where the time is held.
    opened = client.get(reschedule_url(held_booking), follow=True)
    chosen = client.post(reschedule_url(held_booking), {"start": "2026-12-03T19:00:00Z"}, follow=True)

    for response in (opened, chosen):
        html = response.content.decode()
        assert HELD_NOTICE in html
        assert "cancelled" not in html.lower() and 'class="slot"' not in html
        assert response.redirect_chain[-1][0] == reverse("payments:session_checkout", args=[held_booking.token])
    held_booking.refresh_from_db()
    assert held_booking.status == BookingStatus.HELD and held_booking.start == datetime(2026, 12, 2, 15, tzinfo=UTC)


def test_moving_a_held_booking_is_refused_with_what_is_true(held_booking):
    from scheduling.services import BookingError, booking_reschedule

    with pytest.raises(BookingError) as refused:
        booking_reschedule(booking=held_booking, new_start=datetime(2026, 12, 3, 19, tzinfo=UTC), by=BookedBy.OWNER)
    assert refused.value.message == HELD_NOTICE
