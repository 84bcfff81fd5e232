"""Booking limits (issue 31, item 3): a package caps the sessions of an order per week (Monday to
Sunday) or per calendar month, in the order's zone. The one booking rule refuses a session over the
limit on every path, naming the full week or month; the owner may book over it with a note."""
import json
from datetime import timedelta

import pytest
from django.urls import reverse

from api.tests.helpers import api_client, key_for
from orders.rules import BookingLimitReached
from orders.services import LimitOverrideNotAllowed, order_session_book
from orders.session_sets import SessionChoice, SessionSetRefused, order_sessions_book
from orders.tests.conftest import place_order
from packages.models import Package
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.selectors import format_slot_start
from scheduling.services import BookingError, booking_cancel, booking_reschedule
from tests import NINE_AM, make_package, race

FULL_WEEK = ("You have booked 2 sessions in the week of 7 December 2026, "
             "the most this package allows per week.")
DAY = timedelta(days=1)


@pytest.fixture
def weekly_two(owner, coaching):
    return make_package(owner, items=[(coaching, 10)], name="Weekly pack", slug="weekly-pack",
                        max_sessions_per_week=2)


@pytest.fixture
def item(weekly_two):
    return place_order(weekly_two).items.get()


def confirmed(item) -> list:
    return list(Booking.objects.filter(order_item=item, status=BookingStatus.CONFIRMED)
                .order_by("start").values_list("start", flat=True))


def test_a_third_session_in_one_week_is_refused_with_the_week_named(item):
    order_session_book(item=item, start=NINE_AM)  # Monday 7 December
    order_session_book(item=item, start=NINE_AM + 2 * DAY)
    with pytest.raises(BookingLimitReached) as refused:
        order_session_book(item=item, start=NINE_AM + 6 * DAY)  # Sunday 13 December, same week
    assert refused.value.message == FULL_WEEK
    assert confirmed(item) == [NINE_AM, NINE_AM + 2 * DAY]


def test_the_next_monday_starts_a_new_week(item):
    order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    order_session_book(item=item, start=NINE_AM + 7 * DAY)  # Monday 14 December
    assert len(confirmed(item)) == 3


def test_a_cancelled_session_frees_its_place_in_the_week(item):
    first = order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    booking_cancel(booking=first, by=BookedBy.OWNER)
    order_session_book(item=item, start=NINE_AM + 3 * DAY)
    assert len(confirmed(item)) == 2


def test_the_week_is_read_in_the_orders_zone(weekly_two):
    order = place_order(weekly_two)
    order.client_timezone = "Pacific/Auckland"
    order.save(update_fields=["client_timezone"])
    item = order.items.get()
    # Sunday 13 December 16:00 in New York is still Sunday in London, but Monday 14 in Auckland:
    # for this order it is the next week.
    order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    order_session_book(item=item, start=NINE_AM + 6 * DAY + timedelta(hours=7))  # Sun 16:00 NY = Mon 10:00 NZ
    assert len(confirmed(item)) == 3


def test_a_monthly_limit_names_the_month(owner, coaching):
    package = make_package(owner, items=[(coaching, 10)], max_sessions_per_month=1)
    item = place_order(package).items.get()
    order_session_book(item=item, start=NINE_AM)
    with pytest.raises(BookingLimitReached) as refused:
        order_session_book(item=item, start=NINE_AM + 14 * DAY)
    assert refused.value.message == ("You have booked 1 session in December 2026, "
                                     "the most this package allows per month.")


def test_a_package_edit_leaves_the_limit_of_an_order_already_placed(item, weekly_two):
    Package.objects.filter(pk=weekly_two.pk).update(max_sessions_per_week=None)
    order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    with pytest.raises(BookingLimitReached):
        order_session_book(item=item, start=NINE_AM + 2 * DAY)


def test_several_sessions_in_one_go_count_their_own_picks_and_book_none_over_the_limit(item):
    choices = [SessionChoice(item=item, start=NINE_AM + n * DAY) for n in range(3)]
    with pytest.raises(SessionSetRefused) as refused:
        order_sessions_book(order=item.order, choices=choices)
    assert refused.value.message == FULL_WEEK
    assert refused.value.choice.start == NINE_AM + 2 * DAY
    assert confirmed(item) == []


def test_moving_a_session_into_a_full_week_is_refused(item):
    order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    next_week = order_session_book(item=item, start=NINE_AM + 7 * DAY)
    with pytest.raises(BookingLimitReached) as refused:
        booking_reschedule(booking=next_week, new_start=NINE_AM + 2 * DAY)
    assert refused.value.message == FULL_WEEK
    next_week.refresh_from_db()
    assert next_week.start == NINE_AM + 7 * DAY


def test_moving_a_session_within_its_own_full_week_is_allowed(item):
    order_session_book(item=item, start=NINE_AM)
    second = order_session_book(item=item, start=NINE_AM + DAY)
    booking_reschedule(booking=second, new_start=NINE_AM + 3 * DAY)
    assert confirmed(item) == [NINE_AM, NINE_AM + 3 * DAY]


def test_the_owner_books_over_the_limit_with_a_note_kept_with_the_session(item):
    order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    booking = order_session_book(item=item, start=NINE_AM + 2 * DAY, booked_by=BookedBy.OWNER,
                                 limit_override_note="Make-up for the missed session")
    assert booking.limit_override.note == "Make-up for the missed session"
    assert len(confirmed(item)) == 3


def test_a_client_cannot_book_over_the_limit_with_a_note(item):
    with pytest.raises(LimitOverrideNotAllowed):
        order_session_book(item=item, start=NINE_AM, limit_override_note="please")


def _owner_book(client, item, start, **extra):
    url = reverse("orders:book", args=[item.order_id, item.pk])
    return client.post(url, {"start": start.isoformat(), **extra})


def test_the_owners_book_for_client_refuses_over_the_limit_then_books_with_the_box_and_a_note(client, owner, item):
    client.force_login(owner)
    order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    refused = _owner_book(client, item, NINE_AM + 2 * DAY)
    assert "the most this package allows per week" in refused.content.decode()
    no_note = _owner_book(client, item, NINE_AM + 2 * DAY, override_limit="on", override_note=" ")
    assert "Say why you book over the limit" in no_note.content.decode()
    assert len(confirmed(item)) == 2
    booked = _owner_book(client, item, NINE_AM + 2 * DAY, override_limit="on", override_note="Agreed by phone")
    assert booked.status_code == 302
    assert len(confirmed(item)) == 3
    assert "Agreed by phone" in client.get(booked["Location"]).content.decode()


def test_the_api_books_by_the_same_rule(owner, item):
    api = api_client(key_for(owner))
    for start in (NINE_AM, NINE_AM + DAY):
        assert api.post("/api/v1/bookings/", json.dumps({"order_item_id": item.pk, "start": start.isoformat()}),
                        content_type="application/json").status_code == 201
    refused = api.post("/api/v1/bookings/", json.dumps({"order_item_id": item.pk,
                                                        "start": (NINE_AM + 2 * DAY).isoformat()}),
                       content_type="application/json")
    assert refused.status_code == 409
    assert FULL_WEEK in refused.content.decode()


def test_the_client_sees_the_limit_among_the_policies(client, item):
    page = client.get(reverse("order_details:detail", args=[item.order.token])).content.decode()
    assert "At most 2 sessions a week (Monday to Sunday)." in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_parallel_bookings_in_a_week_limited_to_two_book_two(item):
    def attempt(index: int) -> None:
        # Each its own free day of the week: only the limit can refuse.
        order_session_book(item=item, start=NINE_AM + index * DAY)

    booked, refusals = race(5, attempt, BookingError)
    assert booked == 2
    assert refusals == [FULL_WEEK] * 3
    assert len(confirmed(item)) == 2


def test_a_client_on_a_german_page_is_told_the_full_week_in_german(client, owner, item):
    type(owner).objects.filter(pk=owner.pk).update(page_language="de")
    order_session_book(item=item, start=NINE_AM)
    order_session_book(item=item, start=NINE_AM + DAY)
    html = client.post(f"/orders/{item.order.token}/items/{item.pk}/book/",
                       {"start": format_slot_start(NINE_AM + 2 * DAY)}, follow=True).content.decode()
    assert ("Sie haben in der Woche vom 7. Dezember 2026 bereits 2 Termine gebucht, "
            "so viele, wie dieses Paket pro Woche erlaubt.") in html
    assert len(confirmed(item)) == 2
