"""The owner's Upcoming page (/dashboard/) and a booking's page where the owner cancels or reschedules."""
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from scheduling.models import BookedBy, BookingStatus
from scheduling.services import booking_create
from tests import NOW, make_booking, make_meeting_type, set_weekly_hours

HOME = reverse("dashboard:home")


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, {day: [(time(0), time(0))] for day in range(7)})
    return make_meeting_type(owner, name="Intro call", slug="intro", min_notice_minutes=24 * 60)


def test_upcoming_groups_sessions_by_day_in_the_owners_zone(owner_client, meeting_type):
    # 03:00 UTC on 2 December is still Tuesday 1 December (22:00) in New York.
    make_booking(meeting_type, datetime(2026, 12, 2, 3, tzinfo=UTC), client_name="Late Larry")
    make_booking(meeting_type, datetime(2026, 12, 2, 15, tzinfo=UTC), client_name="Morning Mia")

    html = owner_client.get(HOME).content.decode()

    tuesday, wednesday = html.index("Tuesday, 1 December 2026"), html.index("Wednesday, 2 December 2026")
    assert tuesday < html.index("Late Larry") < wednesday < html.index("Morning Mia")
    assert "10:00 PM" in html and "10:00 AM" in html
    assert "cleo<wbr>@example.<wbr>com" in html  # the address, wrapping at its parts


def test_upcoming_hides_past_and_cancelled_sessions_and_tabs_list_them(owner_client, meeting_type):
    make_booking(meeting_type, datetime(2026, 11, 30, 15, tzinfo=UTC), client_name="Past Pat")
    make_booking(meeting_type, datetime(2026, 12, 3, 15, tzinfo=UTC), client_name="Cancelled Cal",
                 status=BookingStatus.CANCELLED)
    make_booking(meeting_type, datetime(2026, 12, 4, 15, tzinfo=UTC), client_name="Coming Cora")

    upcoming = owner_client.get(HOME).content.decode()
    past = owner_client.get(HOME, {"view": "past"}).content.decode()
    cancelled = owner_client.get(HOME, {"view": "cancelled"}).content.decode()

    assert "Coming Cora" in upcoming and "Past Pat" not in upcoming and "Cancelled Cal" not in upcoming
    assert "Past Pat" in past and "Coming Cora" not in past
    assert "Cancelled Cal" in cancelled and "Coming Cora" not in cancelled


def test_the_dashboard_names_the_owners_zone_as_people_write_it(owner_client, owner):
    owner.timezone = "America/New_York"
    owner.save(update_fields=["timezone"])
    html = owner_client.get(HOME).content.decode()
    assert "Times in your time zone, America/New York." in html
    assert "Your sessions are shown in America/New York." in html  # the set-up checklist
    assert "America/New_York" not in html


def test_upcoming_empty_state_and_unknown_tab(owner_client):
    assert "No upcoming sessions" in owner_client.get(HOME).content.decode()
    assert "No upcoming sessions" in owner_client.get(HOME, {"view": "nonsense", "page": "zz"}).content.decode()
    assert "No past sessions yet" in owner_client.get(HOME, {"view": "past"}).content.decode()


def test_past_sessions_are_paginated(owner_client, meeting_type):
    for day in range(30):
        make_booking(meeting_type, datetime(2026, 10, 1, 15, tzinfo=UTC) + timedelta(days=day))

    first = owner_client.get(HOME, {"view": "past"})
    second = owner_client.get(HOME + "?" + first.context["page"].next_query)

    assert "Friday, 30 October 2026" in first.content.decode() and "Older ›" in first.content.decode()
    assert "Thursday, 1 October 2026" not in first.content.decode()
    assert "view=past" in first.context["page"].next_query
    assert "Thursday, 1 October 2026" in second.content.decode() and "‹ Newer" in second.content.decode()
    assert "Friday, 30 October 2026" not in second.content.decode()
    # A cursor that does not parse gives the first page.
    assert "Friday, 30 October 2026" in owner_client.get(HOME, {"view": "past", "after": "zz"}).content.decode()


def test_upcoming_sessions_page_earlier_and_later(owner_client, meeting_type):
    for day in range(27):
        make_booking(meeting_type, datetime(2026, 12, 3, 15, tzinfo=UTC) + timedelta(days=day))
    first = owner_client.get(HOME)
    assert len(first.context["page"].object_list) == 25 and "Later ›" in first.content.decode()
    later = owner_client.get(HOME + "?" + first.context["page"].next_query)
    assert [b.start.day for b in later.context["page"].object_list] == [28, 29]
    assert "‹ Earlier" in later.content.decode()


def test_upcoming_shows_only_the_owners_own_sessions(owner_client, meeting_type, other_owner):
    theirs = make_meeting_type(other_owner, slug="theirs")
    make_booking(theirs, datetime(2026, 12, 3, 15, tzinfo=UTC), client_name="Not Yours")

    assert "Not Yours" not in owner_client.get(HOME).content.decode()


def test_upcoming_needs_a_login(client):
    response = client.get(HOME)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("count", [1, 30])
def test_upcoming_query_count_is_constant(owner_client, owner, meeting_type, django_assert_num_queries, count):
    for hour in range(count):
        make_booking(meeting_type, datetime(2026, 12, 3, 14, tzinfo=UTC) + timedelta(hours=hour))
    # user (the session comes from the cache), page of bookings (meeting type, order joined): no COUNT;
    # until the owner's setup is done, the checklist's five (scheduling.setup).
    with django_assert_num_queries(2 + 5):
        assert owner_client.get(HOME).status_code == 200
    owner.setup_done_at = NOW
    owner.save()
    with django_assert_num_queries(2):
        assert owner_client.get(HOME).status_code == 200



@pytest.mark.parametrize("count", [1, 30])
def test_past_sessions_with_their_attendance_forms_take_a_fixed_number_of_queries(
        owner_client, meeting_type, django_assert_num_queries, count):
    for hour in range(count):
        make_booking(meeting_type, datetime(2026, 11, 20, 14, tzinfo=UTC) + timedelta(hours=hour),
                     attendance="no_show" if hour % 2 else "")
    with django_assert_num_queries(2):
        html = owner_client.get(HOME, {"view": "past"}).content.decode()
    assert html.count("/attendance/") == min(count, 25)  # a page of 25


def test_a_session_under_way_can_be_marked_from_the_upcoming_list(owner_client, meeting_type):
    """The client is a quarter of an hour late: the owner marks the no-show from the list they
    are looking at, not only once the session has ended and moved to Past sessions."""
    under_way = make_booking(meeting_type, NOW - timedelta(minutes=15), client_name="Late Lou")
    coming = make_booking(meeting_type, NOW + timedelta(days=1), client_name="Coming Cora")

    html = owner_client.get(HOME).content.decode()
    response = owner_client.post(reverse("dashboard:booking_attendance", args=[under_way.pk]),
                                 {"attendance": "no_show", "next": HOME})

    assert "Late Lou" in html and reverse("dashboard:booking_attendance", args=[under_way.pk]) in html
    assert reverse("dashboard:booking_attendance", args=[coming.pk]) not in html
    assert response["Location"] == HOME
    under_way.refresh_from_db()
    assert under_way.attendance == "no_show"


def test_a_marked_past_session_shows_its_mark_once_with_the_button_that_changes_it(owner_client, meeting_type):
    # The card's badge said "Attended" and the form under it said "Attended" again.
    make_booking(meeting_type, NOW - timedelta(days=1), client_name="Here Hal", attendance="attended")

    html = owner_client.get(HOME + "?view=past").content.decode()

    assert "Here Hal" in html
    assert html.count(">Attended</span>") == 1
    assert 'value="no_show"' in html and 'value="attended"' not in html


def test_marking_a_session_again_says_it_was_marked_already(owner_client, meeting_type):
    """A second click (or a second tab) changes nothing and says so, as the order page does."""
    under_way = make_booking(meeting_type, NOW - timedelta(minutes=15), client_name="Late Lou")
    url = reverse("dashboard:booking_attendance", args=[under_way.pk])

    first = owner_client.post(url, {"attendance": "no_show", "next": HOME}, follow=True).content.decode()
    again = owner_client.post(url, {"attendance": "no_show", "next": HOME}, follow=True).content.decode()

    assert "Late Lou: no-show." in first
    assert "Late Lou: already marked no-show." in again


# --- A booking's page -------------------------------------------------------------------------


def detail_url(booking) -> str:
    return reverse("dashboard:booking_detail", args=[booking.pk])


def test_booking_detail_shows_the_session(owner_client, meeting_type):
    booking = make_booking(meeting_type, datetime(2026, 12, 3, 15, tzinfo=UTC), client_timezone="Asia/Kolkata",
                           client_phone="+14155552671")

    html = owner_client.get(detail_url(booking)).content.decode()

    assert "Thursday, 3 December 2026 at 10:00 AM" in html  # New York
    assert "Thursday, 3 December 2026 at 8:30 PM" in html  # Kolkata
    assert "+14155552671" in html
    assert reverse("dashboard:booking_cancel", args=[booking.pk]) in html
    assert reverse("dashboard:booking_reschedule", args=[booking.pk]) in html


def test_owner_cancels_with_a_reason_and_the_time_is_free_again(owner_client, meeting_type):
    booking = booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 3, 15, tzinfo=UTC),
                             client_name="Cleo", client_email="cleo@example.com")

    response = owner_client.post(reverse("dashboard:booking_cancel", args=[booking.pk]),
                                 {"reason": "I'm ill"}, follow=True)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_by == BookedBy.OWNER and booking.cancel_reason == "I'm ill"
    assert "The session was cancelled" in response.content.decode()
    book_url = reverse("public:book_meeting", args=[meeting_type.owner.slug, meeting_type.slug])
    page = owner_client.get(book_url, {"tz": "America/New_York", "date": "2026-12-03"}).content.decode()
    assert "start=2026-12-03T15%3A00%3A00Z" in page


def test_owner_reschedules_even_inside_the_minimum_notice(owner_client, meeting_type):
    booking = booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 3, 15, tzinfo=UTC),
                             client_name="Cleo", client_email="cleo@example.com")
    url = reverse("dashboard:booking_reschedule", args=[booking.pk])

    # Today 16:00 UTC is inside the 24-hour notice a client is held to; the owner may pick it.
    picker = owner_client.get(url, {"date": "2026-12-01"}).content.decode()
    assert "start=2026-12-01T16%3A00%3A00Z" in picker
    confirm = owner_client.get(url, {"start": "2026-12-01T16:00:00Z"}).content.decode()
    assert "Tuesday, 1 December 2026 at 11:00 AM" in confirm

    response = owner_client.post(url, {"start": "2026-12-01T16:00:00Z"})

    assert response.status_code == 302 and response["Location"] == detail_url(booking)
    booking.refresh_from_db()
    assert booking.start == datetime(2026, 12, 1, 16, tzinfo=UTC) and booking.sequence == 1


@pytest.mark.parametrize("start", ["garbage", "2026-11-30T15:00:00Z", "2026-12-03T15:07:00Z", ""])
def test_owner_reschedule_to_a_bad_time_changes_nothing(owner_client, meeting_type, start):
    booking = booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 3, 15, tzinfo=UTC),
                             client_name="Cleo", client_email="cleo@example.com")
    url = reverse("dashboard:booking_reschedule", args=[booking.pk])

    response = owner_client.post(url, {"start": start})
    link = owner_client.get(url, {"start": start})

    assert response.status_code == 200 and link.status_code == 200
    assert "no longer available" in response.content.decode() or "just taken" in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == datetime(2026, 12, 3, 15, tzinfo=UTC) and booking.sequence == 0


def test_owner_cannot_change_a_past_or_cancelled_session(owner_client, meeting_type):
    past = make_booking(meeting_type, datetime(2026, 11, 30, 15, tzinfo=UTC))
    cancelled = make_booking(meeting_type, datetime(2026, 12, 4, 15, tzinfo=UTC), status=BookingStatus.CANCELLED)

    past_page = owner_client.get(detail_url(past)).content.decode()
    owner_client.post(reverse("dashboard:booking_cancel", args=[past.pk]), {"reason": ""})
    response = owner_client.get(reverse("dashboard:booking_reschedule", args=[cancelled.pk]), follow=True)

    assert "already started or is in the past" in past_page
    assert "This booking was cancelled." in response.content.decode()
    past.refresh_from_db()
    assert past.status == BookingStatus.CONFIRMED


def test_another_owner_gets_404_on_every_booking_page(other_owner_client, meeting_type):
    booking = make_booking(meeting_type, datetime(2026, 12, 3, 15, tzinfo=UTC))

    assert other_owner_client.get(detail_url(booking)).status_code == 404
    assert other_owner_client.post(reverse("dashboard:booking_cancel", args=[booking.pk]), {"reason": "x"}).status_code == 404
    assert other_owner_client.get(reverse("dashboard:booking_reschedule", args=[booking.pk])).status_code == 404
    assert other_owner_client.post(reverse("dashboard:booking_reschedule", args=[booking.pk]),
                                   {"start": "2026-12-03T16:00:00Z"}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.start == datetime(2026, 12, 3, 15, tzinfo=UTC)


def test_an_unknown_booking_is_404(owner_client, db):
    assert owner_client.get("/dashboard/bookings/999999/").status_code == 404


def test_a_session_held_while_the_client_pays_reads_as_awaiting_payment_and_can_be_released(
        owner_client, meeting_type):
    # The Payments and Clients pages link a paid session awaiting payment here. It said "This
    # session was cancelled" beside its "Awaiting payment" badge, and offered no way to free the time.
    booking = make_booking(meeting_type, datetime(2026, 12, 3, 15, tzinfo=UTC), status=BookingStatus.HELD,
                           hold_expires_at=NOW + timedelta(minutes=20))

    html = owner_client.get(detail_url(booking)).content.decode()

    assert "was cancelled" not in html
    assert "Awaiting payment" in html
    assert "held for Cleo Client until Tuesday, 1 December 2026 at 7:20 AM" in html  # 12:20 UTC in New York
    assert reverse("dashboard:booking_cancel", args=[booking.pk]) in html
    assert reverse("dashboard:booking_reschedule", args=[booking.pk]) not in html
    response = owner_client.post(reverse("dashboard:booking_cancel", args=[booking.pk]), {"reason": ""}, follow=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "The unpaid hold was released." in response.content.decode()


def test_the_reschedule_address_of_a_held_session_says_it_is_held_and_offers_no_times(owner_client, meeting_type):
    # Typed or bookmarked: it showed the picker, and picking a time said "This booking was already cancelled."
    booking = make_booking(meeting_type, datetime(2026, 12, 3, 15, tzinfo=UTC), status=BookingStatus.HELD,
                           hold_expires_at=NOW + timedelta(minutes=20))
    url = reverse("dashboard:booking_reschedule", args=[booking.pk])

    for response in (owner_client.get(url, follow=True),
                     owner_client.post(url, {"start": "2026-12-04T15:00:00Z"}, follow=True)):
        html = response.content.decode()
        assert "This time is held while the payment is pending, so there is nothing to reschedule yet." in html
        assert "already cancelled" not in html and 'class="slot"' not in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD and booking.start == datetime(2026, 12, 3, 15, tzinfo=UTC)
