"""The owner's calendar feed /calendar/<token>.ics (issue 27, item 3), and calendar files that keep
to RFC 5546: a cancellation's SEQUENCE is above the last request's, and its text offers no
"Reschedule or cancel"."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from accounts.models import User
from scheduling.calendar import booking_uid
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_booking, make_meeting_type, make_owner, set_weekly_hours

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def coaching(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Coaching", slug="coaching")


def feed_url(user) -> str:
    return f"/calendar/{user.calendar_feed_token}.ics"


def feed_events(client, user) -> dict[str, object]:
    response = client.get(feed_url(user))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return {str(event["UID"]): event for event in Calendar.from_ical(response.content).walk("VEVENT")}


# --- The feed -----------------------------------------------------------------------------------


def test_the_feed_lists_the_owners_confirmed_sessions_with_the_clients_uids(client, owner, coaching):
    booking = booking_create(meeting_type=coaching, start=NINE_AM, client_name="Dana Client",
                             client_email="dana@example.com", now=NOW)

    events = feed_events(client, owner)

    event = events[booking_uid(booking)]
    assert list(events) == [booking_uid(booking)]
    assert str(event["SUMMARY"]) == "Coaching with Dana Client"
    assert event.decoded("DTSTART") == NINE_AM and event.decoded("DTEND") == NINE_AM + timedelta(minutes=30)
    assert "dana@example.com" in str(event["DESCRIPTION"])
    assert f"/dashboard/bookings/{booking.pk}/" in str(event["DESCRIPTION"])


def test_the_feed_keeps_a_month_back_and_a_year_ahead_and_leaves_cancelled_sessions_out(client, owner, coaching):
    recent = make_booking(coaching, NOW - timedelta(days=29))
    too_old = make_booking(coaching, NOW - timedelta(days=31))
    next_year = make_booking(coaching, NOW + timedelta(days=364))
    too_far = make_booking(coaching, NOW + timedelta(days=366))
    cancelled = make_booking(coaching, NOW + timedelta(days=2), status="cancelled")

    events = feed_events(client, owner)

    assert booking_uid(recent) in events and booking_uid(next_year) in events
    assert not {booking_uid(too_old), booking_uid(too_far), booking_uid(cancelled)} & set(events)


def test_another_owners_sessions_never_appear(client, owner, coaching, other_owner):
    theirs = make_booking(make_meeting_type(other_owner), NINE_AM, client_email="secret@example.com")
    make_booking(coaching, NINE_AM)

    response = client.get(feed_url(owner))

    assert booking_uid(theirs) not in response.content.decode()
    assert "secret@example.com" not in response.content.decode()


@pytest.mark.parametrize("token", ["x" * 43, "nope", "a" * 65])
def test_only_the_token_opens_a_feed(client, owner, coaching, token):
    make_booking(coaching, NINE_AM)

    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_new_address_retires_the_old_one(owner_client, owner, coaching):
    make_booking(coaching, NINE_AM)
    old_url = feed_url(owner)

    response = owner_client.post(reverse("accounts:calendar_feed_new"))

    owner.refresh_from_db()
    assert response.status_code == 302
    assert owner_client.get(old_url).status_code == 404
    assert owner_client.get(feed_url(owner)).status_code == 200
    page = owner_client.get(reverse("accounts:settings")).content.decode()
    assert f"http://127.0.0.1:8000{feed_url(owner)}" in page and old_url not in page


def test_making_a_new_address_takes_a_post_from_the_owner(client, owner):
    token = owner.calendar_feed_token

    assert client.post(reverse("accounts:calendar_feed_new")).status_code == 302  # to log in
    owner.refresh_from_db()
    assert owner.calendar_feed_token == token


def test_every_owner_has_an_unguessable_address_of_their_own(owner, other_owner):
    tokens = list(User.objects.values_list("calendar_feed_token", flat=True))

    assert len(set(tokens)) == 2 and all(len(token) == 43 for token in tokens)


@pytest.mark.parametrize("count", [1, 12])
def test_the_feed_costs_the_same_queries_whatever_its_size(client, owner, coaching, django_assert_num_queries,
                                                           count):
    for day in range(count):
        make_booking(coaching, NINE_AM + timedelta(days=day))

    with django_assert_num_queries(2):
        events = feed_events(client, owner)

    assert len(events) == count


def test_calendar_is_a_reserved_booking_link(owner_client, owner):
    response = owner_client.post(reverse("accounts:settings"), {
        "display_name": "Casey Coach", "slug": "calendar", "timezone": "UTC", "notify_owner_by_email": "on"})

    assert "“calendar” is reserved" in " ".join(response.context["form"].errors["slug"])
    owner.refresh_from_db()
    assert owner.slug == "coach"


def test_an_owner_who_already_had_the_link_calendar_keeps_their_page(client, db):
    # Made before the word was reserved (straight into the table, as an old row is).
    make_owner(slug="other", email="early@example.com", display_name="Early Bird")
    User.objects.filter(slug="other").update(slug="calendar")

    response = client.get("/calendar/")

    assert response.status_code == 200 and "Early Bird" in response.content.decode()


# --- SEQUENCE and the cancelled event (RFC 5546) ------------------------------------------------


def cancel_event(booking):
    [email] = [m for m in mail.outbox if m.to == ["dana@example.com"] and m.subject.startswith("Cancelled:")]
    [(_name, content, _mimetype)] = email.attachments
    calendar = Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    return event


def book(coaching):
    return booking_create(meeting_type=coaching, start=NINE_AM, client_name="Dana Client",
                          client_email="dana@example.com", now=NOW)


def test_a_booking_never_moved_is_cancelled_with_sequence_1(coaching, django_capture_on_commit_callbacks):
    booking = book(coaching)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, now=NOW)

    event = cancel_event(booking)
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert "Reschedule or cancel" not in str(event["DESCRIPTION"])
    assert str(event["DESCRIPTION"]) == "This session was cancelled."


def test_a_booking_moved_twice_is_cancelled_with_sequence_3(coaching, django_capture_on_commit_callbacks):
    booking = book(coaching)
    booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(hours=1), now=NOW)
    booking_reschedule(booking=booking, new_start=NINE_AM + timedelta(hours=2), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, now=NOW)

    assert int(cancel_event(booking)["SEQUENCE"]) == 3


def test_the_download_of_a_cancelled_booking_says_so_without_offering_to_reschedule(client, coaching):
    booking = book(coaching)
    booking_cancel(booking=booking, now=NOW)

    [event] = Calendar.from_ical(client.get(f"/bookings/{booking.token}/calendar.ics").content).walk("VEVENT")

    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (1, "CANCELLED")
    assert "Reschedule or cancel" not in str(event["DESCRIPTION"])
