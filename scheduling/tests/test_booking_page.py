"""The personal booking page /<owner-slug>/ and booking one meeting /<owner-slug>/<meeting-type-slug>/."""
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduling import booking_step
from scheduling.models import Booking, MeetingTypeState
from scheduling.services import booking_create
from tests import NOW, make_meeting_type, make_owner, set_weekly_hours

# Tuesday 1 December 2026, 07:00 in New York (the `owner` fixture's zone).
WEEKDAYS_9_TO_5 = {day: [(time(9), time(17))] for day in range(5)}
UNAVAILABLE = "That time is no longer available. Please pick another time."


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Intro call", slug="intro", description="A first chat about your goals.")


def book_url(owner, meeting_type) -> str:
    return reverse("public:book_meeting", args=[owner.slug, meeting_type.slug])


def details(**overrides) -> dict:
    data = {"client_name": "Cleo Client", "client_email": "cleo@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": "2026-12-01T15:00:00Z"}
    data.update(overrides)
    return data


# --- The personal booking page ----------------------------------------------------------------


def test_owner_page_lists_active_meeting_types_with_their_facts(client, owner, meeting_type):
    make_meeting_type(owner, name="Group workshop", slug="workshop", kind="group", capacity=8, duration_minutes=90)
    make_meeting_type(owner, name="Old offer", slug="old", state=MeetingTypeState.DISABLED)
    make_meeting_type(owner, name="Gone offer", slug="gone", state=MeetingTypeState.DELETED)

    response = client.get(reverse("public:owner_page", args=[owner.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Casey Coach" in html
    assert "Intro call" in html and "A first chat about your goals." in html
    assert "Group · up to 8" in html and "90 min" in html
    assert book_url(owner, meeting_type) in html
    assert "Old offer" not in html and "Gone offer" not in html


def test_owner_page_without_meeting_types_shows_an_empty_state(client, owner):
    response = client.get(reverse("public:owner_page", args=[owner.slug]))

    assert response.status_code == 200
    assert "No meetings to book yet" in response.content.decode()


def test_owner_page_of_an_unknown_slug_is_404(client, db):
    assert client.get("/nobody-here/").status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_owner_page_query_count_does_not_grow_with_meeting_types(client, owner, django_assert_num_queries, count):
    client.get(reverse("public:owner_page", args=[owner.slug]))  # the process learns whose slug it is
    for _ in range(count):
        make_meeting_type(owner)  # a change: the next view renders the page again
    # owner, meeting types, packages (their items are prefetched only when there are some)
    with django_assert_num_queries(3):
        response = client.get(reverse("public:owner_page", args=[owner.slug]))
    assert response.status_code == 200
    with django_assert_num_queries(0):  # then served from the cache
        assert client.get(reverse("public:owner_page", args=[owner.slug])).status_code == 200


# --- Picking a date and a time ------------------------------------------------------------------


def test_booking_page_shows_the_week_and_the_first_day_with_times(client, owner, meeting_type):
    response = client.get(book_url(owner, meeting_type), {"tz": "America/New_York"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Intro call" in html
    assert "Tuesday, 1 December 2026" in html
    assert "9:00 AM" in html and "4:30 PM" in html and "5:00 PM" not in html
    assert "start=2026-12-01T14%3A00%3A00Z" in html
    assert 'label for="picker-tz"' in html


def test_booking_page_next_month_link_moves_the_calendar(client, owner, meeting_type):
    html = client.get(book_url(owner, meeting_type), {"tz": "America/New_York"}).content.decode()
    assert "month=2027-01" in html and "Next month" in html

    response = client.get(book_url(owner, meeting_type), {"tz": "America/New_York", "month": "2027-01"})

    html = response.content.decode()
    assert "January 2027" in html
    assert "Friday, 1 January 2027" in html  # the month's first day with times is chosen
    assert "Previous month" in html and "month=2026-12" in html


def test_the_month_grid_is_a_table_where_days_with_times_stand_out(client, owner, meeting_type):
    html = client.get(book_url(owner, meeting_type), {"tz": "America/New_York"}).content.decode()

    assert '<table class="month-grid"' in html
    assert '<th scope="col"><abbr title="Monday">Mon</abbr></th>' in html
    # Weekdays from today have times (links); the weekend and past days are muted, not links.
    assert 'data-picker-day="2026-12-02"' in html and 'data-picker-day="2026-12-05"' not in html
    assert 'data-picker-day="2026-11-30"' not in html
    assert "Saturday, 5 December 2026, no free times" in html
    # Without JavaScript a day link lands on the times.
    assert "date=2026-12-02#picker-times" in html


def test_the_calendar_opens_on_the_first_month_with_a_free_time(client, owner):
    set_weekly_hours(owner, {})
    from scheduling.models import DateOverride

    DateOverride.objects.create(owner=owner, date=datetime(2027, 1, 18).date(), start_time=time(10), end_time=time(11))
    meeting_type = make_meeting_type(owner, slug="rare")

    html = client.get(book_url(owner, meeting_type), {"tz": "America/New_York"}).content.decode()
    assert "January 2027" in html and "Monday, 18 January 2027" in html and "10:00 AM" in html

    html = client.get(book_url(owner, meeting_type), {"tz": "America/New_York", "month": "2026-12"}).content.decode()
    assert "No free times in December 2026" in html
    assert "The next free day is Monday, 18 January 2027" in html


def test_times_are_shown_in_the_chosen_zone(client, owner, meeting_type):
    response = client.get(book_url(owner, meeting_type), {"tz": "Europe/Berlin", "date": "2026-12-01"})

    html = response.content.decode()
    # 09:00 in New York is 15:00 in Berlin.
    assert "3:00 PM" in html and "9:00 AM" not in html
    assert "Times in <strong>Europe/Berlin</strong>" in html
    assert 'id="picker-tz" name="tz" type="text" list="picker-tz-list" value="Europe/Berlin"' in html


def test_the_tz_cookie_sets_the_zone_when_there_is_no_query_parameter(client, owner, meeting_type):
    client.cookies["tz"] = "Asia/Tokyo"
    html = client.get(book_url(owner, meeting_type), {"date": "2026-12-01"}).content.decode()

    # 09:00 New York on 1 December is 23:00 in Tokyo.
    assert "11:00 PM" in html


def test_picking_a_time_shows_the_details_form(client, owner, meeting_type):
    response = client.get(book_url(owner, meeting_type), {"tz": "America/New_York", "start": "2026-12-01T15:00:00Z"})

    html = response.content.decode()
    assert "Tuesday, 1 December 2026 at 10:00 AM" in html
    assert 'for="id_client_name"' in html and 'for="id_client_email"' in html
    assert "Confirm booking" in html


# --- Booking -----------------------------------------------------------------------------------


def test_client_in_another_zone_books_and_sees_the_same_instant(client, db):
    owner = make_owner(timezone="Asia/Kolkata", slug="guru", display_name="Guru")
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, name="Mentoring", slug="mentoring", duration_minutes=60, slot_step_minutes=60)
    url = book_url(owner, meeting_type)

    # Wednesday 2 December 09:00 in Kolkata is Tuesday 1 December 19:30 in Los Angeles.
    picker = client.get(url, {"tz": "America/Los_Angeles", "date": "2026-12-01"}).content.decode()
    assert "7:30 PM" in picker
    assert "start=2026-12-02T03%3A30%3A00Z" in picker

    response = client.post(url + "?tz=America/Los_Angeles", details(
        start="2026-12-02T03:30:00Z", client_timezone="America/Los_Angeles"))

    booking = Booking.objects.get()
    assert booking.start == datetime(2026, 12, 2, 3, 30, tzinfo=UTC)
    assert booking.end == datetime(2026, 12, 2, 4, 30, tzinfo=UTC)
    assert booking.client_timezone == "America/Los_Angeles"
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:manage", args=[booking.token]) + "?booked=1"
    page = client.get(response["Location"]).content.decode()
    assert "Booking confirmed" in page
    assert "Tuesday, 1 December 2026 at 7:30 PM" in page
    assert "America/Los Angeles" in page
    assert reverse("bookings:reschedule", args=[booking.token]) in page


def test_mobile_is_required_when_the_meeting_type_asks_for_it(client, owner, meeting_type):
    meeting_type.requires_mobile = True
    meeting_type.save()

    response = client.post(book_url(owner, meeting_type), details(client_phone=""))

    assert "Please enter your mobile number" in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize("phone", ["12345", "+1 555", "not a number", "+99 123 456 789"])
def test_an_invalid_mobile_gets_a_message_and_books_nothing(client, owner, meeting_type, phone):
    meeting_type.requires_mobile = True
    meeting_type.save()

    response = client.post(book_url(owner, meeting_type), details(client_phone=phone))

    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(("plan", "promised"), [("pro", True), ("free", False)])
def test_the_form_promises_a_text_only_where_one_is_sent(client, owner, meeting_type, plan, promised):
    """SMS reminders are a Pro feature: on the Free plan the form asks for the number the owner
    wants, without promising a text that will not come."""
    owner.plan = plan
    owner.save()
    meeting_type.requires_mobile = True
    meeting_type.save()

    page = client.post(book_url(owner, meeting_type), details(client_phone="")).content.decode()

    assert "Please enter your mobile number" in page
    assert ("We text you a reminder." in page) is promised


def test_the_mobile_number_is_stored_as_e164(client, owner, meeting_type):
    meeting_type.requires_mobile = True
    meeting_type.save()

    client.post(book_url(owner, meeting_type), details(client_phone="+1 (415) 555-2671"))

    assert Booking.objects.get().client_phone == "+14155552671"


def test_missing_name_and_email_get_messages(client, owner, meeting_type):
    response = client.post(book_url(owner, meeting_type), details(client_name=" ", client_email="nope"))

    html = response.content.decode()
    assert "Please enter your name." in html
    assert "Enter a valid email address." in html
    assert not Booking.objects.exists()


@pytest.mark.parametrize("start", [
    "2026-11-30T15:00:00Z",  # in the past
    "2026-12-01T03:00:00Z",  # 22:00 in New York: outside the hours
    "2026-12-05T15:00:00Z",  # a Saturday: closed
    "2026-12-01T15:10:00Z",  # not on the 30-minute step
    "2026-12-01T15:00:00+05:00",  # tampered offset: 05:00 in New York
    "2026-12-01T15:00:00",  # no zone
    "2027-06-01T15:00:00Z",  # beyond the 60-day horizon
    "garbage",
    "2026-13-45T99:00:00Z",
    "",
    "9" * 500,
    "2026-12-01T15:00:00Z\x00",
])
def test_a_bad_time_is_refused_with_a_message_and_books_nothing(client, owner, meeting_type, start):
    response = client.post(book_url(owner, meeting_type), details(start=start))

    assert response.status_code == 200
    assert UNAVAILABLE in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize("start", ["garbage", "2026-12-01T15:10:00Z", "2026-11-30T15:00:00Z", "", "2026-12-01T15:00:00"])
def test_a_bad_time_in_the_link_shows_the_picker_with_a_message(client, owner, meeting_type, start):
    response = client.get(book_url(owner, meeting_type), {"start": start})

    assert response.status_code == 200
    html = response.content.decode()
    assert UNAVAILABLE in html
    assert "Pick a date" in html


def test_a_time_already_taken_is_refused(client, owner, meeting_type):
    booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 1, 15, tzinfo=UTC),
                   client_name="First", client_email="first@example.com")

    response = client.post(book_url(owner, meeting_type), details())

    assert response.status_code == 200
    assert UNAVAILABLE in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_time_taken_between_the_check_and_the_lock_shows_the_service_message(client, owner, meeting_type, monkeypatch):
    booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 1, 15, tzinfo=UTC),
                   client_name="First", client_email="first@example.com")
    # The page's early check saw the time free; another booker got it before the lock.
    monkeypatch.setattr(booking_step.TimeStep, "refusal", lambda self, start: "")

    response = client.post(book_url(owner, meeting_type), details())

    assert response.status_code == 200
    assert "That time was just taken. Please pick another time." in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_taken_time_is_no_longer_offered(client, owner, meeting_type):
    booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 1, 15, tzinfo=UTC),
                   client_name="First", client_email="first@example.com")

    html = client.get(book_url(owner, meeting_type), {"tz": "America/New_York", "date": "2026-12-01"}).content.decode()

    assert "9:30 AM" in html and "10:00 AM" not in html


def test_group_times_show_the_seats_left(client, owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    group = make_meeting_type(owner, slug="circle", kind="group", capacity=3)
    booking_create(meeting_type=group, start=datetime(2026, 12, 1, 14, tzinfo=UTC),
                   client_name="First", client_email="first@example.com")

    html = client.get(book_url(owner, group), {"tz": "America/New_York", "date": "2026-12-01"}).content.decode()

    assert "2 seats left" in html and "3 seats left" in html


@pytest.mark.parametrize("state", [MeetingTypeState.DISABLED, MeetingTypeState.DELETED])
def test_a_disabled_or_deleted_meeting_type_is_not_bookable(client, owner, meeting_type, state):
    meeting_type.state = state
    meeting_type.save()
    url = book_url(owner, meeting_type)

    assert client.get(url).status_code == 404
    response = client.post(url, details())
    assert response.status_code == 404
    assert "This meeting is not available" in response.content.decode()
    assert not Booking.objects.exists()


def test_unknown_slugs_are_404(client, owner, meeting_type):
    assert client.get("/nobody-here/intro/").status_code == 404
    assert client.get(f"/{owner.slug}/no-such-meeting/").status_code == 404
    assert client.post(f"/{owner.slug}/no-such-meeting/", details()).status_code == 404


def test_another_owners_meeting_type_slug_is_not_bookable_here(client, owner, other_owner):
    theirs = make_meeting_type(other_owner, slug="theirs")

    assert client.get(f"/{owner.slug}/{theirs.slug}/").status_code == 404


@pytest.mark.parametrize("busy_count", [0, 6])
def test_booking_page_query_count_does_not_grow(client, owner, meeting_type, django_assert_num_queries, busy_count):
    for hour in range(busy_count):
        booking_create(meeting_type=meeting_type, start=datetime(2026, 12, 2, 14 + hour, tzinfo=UTC),
                       client_name="Busy", client_email="busy@example.com")
    assert client.get(f"/{owner.slug}/").status_code == 200  # the process knows which owner the slug names
    # Not cached yet: owner, meeting type, then the week's hours, overrides and busy bookings (one query).
    with django_assert_num_queries(3):
        response = client.get(book_url(owner, meeting_type), {"tz": "America/New_York", "date": "2026-12-02"})
    assert response.status_code == 200
    with django_assert_num_queries(0):  # cached: the body under the owner's content and bookings versions
        assert client.get(book_url(owner, meeting_type), {"tz": "America/New_York", "date": "2026-12-02"}).content \
            == response.content


def test_booking_page_and_month_picker_read_the_owner_once(client, owner, meeting_type):
    assert client.get(f"/{owner.slug}/").status_code == 200  # the process knows which owner the slug names
    for params in ({"tz": "America/New_York"}, {"fragment": "picker", "tz": "America/New_York"}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(book_url(owner, meeting_type), params)
        assert response.status_code == 200
        assert "9:00 AM" in response.content.decode()  # times in the owner's hours, from the owner's row
        assert sum('"accounts_user"' in query["sql"] for query in queries.captured_queries) == 1


def test_nul_bytes_in_the_details_get_a_message_not_an_error(client, owner, meeting_type):
    response = client.post(book_url(owner, meeting_type), details(client_name="Cleo\x00", client_email="c\x00@example.com"))

    assert response.status_code == 200
    assert not Booking.objects.exists()


def test_the_two_half_past_ones_of_a_fall_back_night_read_apart_when_confirmed_and_booked(db, client):
    # New York's clocks go back at 02:00 on Sunday 1 November 2026: 01:30 comes twice, EDT then EST.
    # The picker says which is which; the confirm step and the booking's page said "1:30 AM" for both.
    night_owner = make_owner(timezone="America/New_York")
    set_weekly_hours(night_owner, {6: [(time(0), time(4))]})
    night = make_meeting_type(night_owner, slug="night", duration_minutes=30, slot_step_minutes=30)
    url = book_url(night_owner, night)
    shown = {"tz": "America/New_York", "clock": "12"}
    with time_machine.travel(datetime(2026, 10, 28, 12, tzinfo=UTC), tick=False):
        first = client.get(url, {"start": "2026-11-01T05:30:00Z", **shown}).context["step"].start_label
        second = client.get(url, {"start": "2026-11-01T06:30:00Z", **shown}).context["step"].start_label
        booked = client.post(url + "?tz=America/New_York", details(start="2026-11-01T06:30:00Z"))
        page = client.get(booked["Location"])
        once = client.get(url, {"start": "2026-11-01T08:00:00Z", **shown}).context["step"].start_label
    assert first.endswith("1:30 AM EDT") and second.endswith("1:30 AM EST")
    assert "1:30 AM EST" in page.text
    assert once.endswith("3:00 AM")  # an hour that comes once keeps its plain label


def test_a_paid_meeting_type_of_an_owner_whose_plan_no_longer_sells_them_offers_no_times(db, client):
    # Paid sessions are Pro and above. After a downgrade to Free its page still offered times, and
    # every one of them answered "This meeting type can no longer be scheduled." when booked.
    downgraded = make_owner(plan="free")
    set_weekly_hours(downgraded, WEEKDAYS_9_TO_5)
    paid = make_meeting_type(downgraded, name="Paid hour", slug="paid-hour", price="90", payment_medium="stripe")
    free = make_meeting_type(downgraded, name="Free chat", slug="free-chat")

    page = client.get(book_url(downgraded, paid), {"tz": "America/New_York", "date": "2026-12-02"})
    posted = client.post(book_url(downgraded, paid), details(start="2026-12-02T15:00:00Z"))
    listing = client.get(reverse("public:owner_page", args=[downgraded.slug])).text

    assert page.status_code == 404 and "start=" not in page.text
    assert posted.status_code == 404 and not Booking.objects.exists()
    assert "Free chat" in listing and "Paid hour" not in listing
    assert client.get(book_url(downgraded, free), {"date": "2026-12-02"}).status_code == 200
