"""The month picker every booking page shares: the grid, its fragment (fixed queries for any
month), the zone ("Times in Europe/Berlin · change", searchable, remembered) and the clock."""
import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from leadmonk.timezones import resolve_timezone
from scheduling.models import DateOverride, ExternalBusy
from scheduling.services import booking_create
from tests import NOW, make_meeting_type, set_weekly_hours

# Tuesday 1 December 2026, 07:00 in New York (the `owner` fixture's zone).
WEEKDAYS_9_TO_5 = {day: [(time(9), time(17))] for day in range(5)}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting_type(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Intro call", slug="intro")


def book_url(meeting_type) -> str:
    return reverse("public:book_meeting", args=[meeting_type.owner.slug, meeting_type.slug])


def fragment(client, meeting_type, **params):
    return client.get(book_url(meeting_type), {"fragment": "picker", "tz": "America/New_York", **params})


def known_in_this_process(client, owner) -> None:
    """Serve the owner's page once, as a worker has long done: the process then knows which owner
    the slug names, and a fragment it has not cached reads the owner once (a process's very first
    fragment of an owner reads them twice: see leadmonk.content_version.cached_public_page)."""
    assert client.get(f"/{owner.slug}/").status_code == 200


# --- The fragment the script swaps in ---------------------------------------------------------


def test_the_fragment_is_the_month_and_the_days_times_only(client, meeting_type):
    response = fragment(client, meeting_type, date="2026-12-03")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html and "datalist" not in html
    assert '<table class="month-grid"' in html
    assert "Thursday, 3 December 2026" in html and "9:00 AM" in html
    assert 'aria-current="date"' in html and 'data-picker-day="2026-12-03"' in html
    assert 'data-picker-summary="Thursday, 3 December 2026: 16 free times"' in html


@pytest.mark.parametrize("busy_count", [0, 8, 40])
@pytest.mark.parametrize("params", [{}, {"month": "2027-01"}, {"date": "2026-12-15"}, {"month": "2026-11"}])
def test_the_fragment_runs_a_fixed_number_of_queries_for_any_month(client, meeting_type, django_assert_num_queries,
                                                                   busy_count, params):
    for hour in range(busy_count):
        booking_create(meeting_type=meeting_type, start=datetime(2026, 12, (2, 3, 4, 7, 8)[hour // 8], 14 + hour % 8, tzinfo=UTC),
                       client_name="Busy", client_email="busy@example.com")
    known_in_this_process(client, meeting_type.owner)
    # Not cached yet: owner, meeting type, then the month's hours, overrides and busy bookings (one query).
    with django_assert_num_queries(3):
        assert fragment(client, meeting_type, **params).status_code == 200
    with django_assert_num_queries(0):  # cached
        assert fragment(client, meeting_type, **params).status_code == 200


@pytest.mark.parametrize("external_count", [0, 12, 400])
def test_the_month_fragment_with_external_busy_times_runs_the_same_queries(client, meeting_type,
                                                                          django_assert_num_queries, external_count):
    """The owner's other calendars (ExternalBusy) are read by the same one query as the bookings,
    however many there are, and a time they block is not offered."""
    ExternalBusy.objects.bulk_create(
        ExternalBusy(owner=meeting_type.owner, source_id=1, start=start, end=start + timedelta(minutes=45))
        for start in (datetime(2026, 12, 1, 12, tzinfo=UTC) + timedelta(hours=7 * n) for n in range(external_count)))
    if external_count:  # 10:00-10:45 in New York on Thursday 3 December
        ExternalBusy.objects.create(owner=meeting_type.owner, source_id=1, start=datetime(2026, 12, 3, 15, tzinfo=UTC),
                                    end=datetime(2026, 12, 3, 15, 45, tzinfo=UTC))
    known_in_this_process(client, meeting_type.owner)
    with django_assert_num_queries(3):
        response = fragment(client, meeting_type, date="2026-12-03")
    html = response.content.decode()
    assert response.status_code == 200 and "9:00 AM" in html
    assert ("10:00 AM" in html) is (external_count == 0)
    assert ("10:30 AM" in html) is (external_count == 0)


@pytest.mark.parametrize("busy_count", [0, 8])
def test_a_month_without_times_costs_one_more_batch_to_find_the_next_free_day(client, owner,
                                                                             django_assert_num_queries, busy_count):
    set_weekly_hours(owner, {})
    DateOverride.objects.create(owner=owner, date=datetime(2027, 1, 18).date(), start_time=time(9), end_time=time(17))
    meeting_type = make_meeting_type(owner, slug="rare")
    for hour in range(busy_count):
        booking_create(meeting_type=meeting_type, start=datetime(2027, 1, 18, 14, tzinfo=UTC).replace(hour=14 + hour),
                       client_name="Busy", client_email="busy@example.com")
    known_in_this_process(client, owner)
    # owner, meeting type, the month's hours and bookings (one query), then the same for the
    # months up to the horizon (one more)
    with django_assert_num_queries(4):
        html = fragment(client, meeting_type, month="2026-12").content.decode()
    assert "The next free day is Monday, 18 January 2027" in html


def test_month_links_stop_at_this_month_and_at_the_horizon(client, meeting_type):
    first = client.get(book_url(meeting_type), {"tz": "America/New_York"}).content.decode()
    assert "month=2026-11" not in first and 'aria-disabled="true"><span aria-hidden="true">‹' in first

    # The 60-day horizon ends on 30 January 2027: no February.
    last = client.get(book_url(meeting_type), {"tz": "America/New_York", "month": "2027-01"}).content.decode()
    assert "month=2027-02" not in last and "month=2026-12" in last
    assert 'data-picker-day="2027-01-29"' in last and 'data-picker-day="2027-02-01"' not in last


# --- Rescheduling opens on the booking's own day --------------------------------------------


@pytest.fixture
def january_booking(meeting_type):
    # Tuesday 12 January 2027, 10:00 in New York.
    return booking_create(meeting_type=meeting_type, start=datetime(2027, 1, 12, 15, tzinfo=UTC),
                          client_name="Cleo", client_email="cleo@example.com", client_timezone="America/New_York")


def test_the_clients_reschedule_picker_opens_on_the_bookings_own_day(client, january_booking):
    html = client.get(reverse("bookings:reschedule", args=[january_booking.token])).content.decode()

    assert "January 2027" in html
    assert 'data-picker-day="2027-01-12" aria-current="date"' in html
    assert "Tuesday, 12 January 2027" in html
    assert "start=2027-01-12T15%3A30%3A00Z" in html and "start=2027-01-12T15%3A00%3A00Z" not in html


def test_the_owners_reschedule_pickers_open_on_the_bookings_own_day(owner_client, january_booking):
    html = owner_client.get(reverse("dashboard:booking_reschedule", args=[january_booking.pk])).content.decode()

    assert 'data-picker-day="2027-01-12" aria-current="date"' in html
    assert "start=2027-01-12T15%3A00%3A00Z" not in html


# --- Time zone: detected, shown, searchable, remembered ----------------------------------------


def test_the_browser_cookie_is_url_encoded_and_decoded(client, meeting_type):
    client.cookies["tz"] = "Europe%2FBerlin"

    html = client.get(book_url(meeting_type), {"date": "2026-12-01"}).content.decode()

    assert "Times in <strong>Europe/Berlin</strong>" in html
    assert "3:00 PM" in html  # 9:00 New York


@pytest.mark.parametrize("typed", ["Europe/Berlin", "europe/berlin", "Berlin", "  berlin ", "Europe/Berlin"])
def test_a_zone_may_be_typed_as_its_name_or_its_city(typed):
    assert resolve_timezone(typed) == "Europe/Berlin"
    assert resolve_timezone("new york") == "America/New_York"
    assert resolve_timezone("Berl") is None and resolve_timezone("x" * 500) is None


def test_the_zone_field_is_searchable_and_lists_every_zone(client, meeting_type):
    html = client.get(book_url(meeting_type), {"tz": "America/New_York"}).content.decode()

    assert "Times in <strong>America/New York</strong>" in html and ">change<" in html
    assert 'list="picker-tz-list"' in html and '<datalist id="picker-tz-list">' in html
    assert '<option value="Europe/Berlin"></option>' in html
    assert '<label for="picker-tz">Time zone</label>' in html


def test_an_unknown_zone_gets_a_message_next_to_the_field_and_changes_nothing(client, meeting_type):
    response = client.get(book_url(meeting_type), {"tz": "Mars/Olympus", "date": "2026-12-01"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "We don&#x27;t know that time zone" in html and 'aria-invalid="true"' in html
    assert 'value="Mars/Olympus"' in html and "<details class=\"tz-change\" open>" in html
    assert "Times in <strong>America/New York</strong>" in html  # the owner's zone, as before
    assert "tz" not in response.cookies


def test_a_chosen_zone_and_clock_are_remembered_on_the_next_pages(client, meeting_type, january_booking):
    response = client.get(book_url(meeting_type), {"tz": "Berlin", "clock": "24", "date": "2026-12-01"})
    assert response.cookies["tz"].value == "Europe%2FBerlin"
    assert response.cookies["clock"].value == "24"
    assert "15:00" in response.content.decode()

    # Another page, no parameters: the same zone and clock.
    html = client.get(reverse("bookings:reschedule", args=[january_booking.token])).content.decode()
    assert "Times in <strong>Europe/Berlin</strong>" in html
    assert "16:30" in html and not re.search(r"\d [AP]M\b", html.split('id="picker-times"')[1])


def test_on_the_dashboard_the_clock_is_kept_and_a_switched_zone_stays_on_its_page(owner_client, meeting_type,
                                                                                  january_booking):
    # Issue 29, item 3: a zone chosen on one dashboard page is that page's; the next shows the owner's.
    owner_client.get(reverse("dashboard:booking_reschedule", args=[january_booking.pk]),
                     {"tz": "Asia/Tokyo", "clock": "24"})

    html = owner_client.get(reverse("dashboard:booking_reschedule", args=[january_booking.pk]),
                            {"date": "2027-01-13"}).content.decode()
    assert "Times in <strong>America/New York</strong>" in html
    assert "09:00" in html  # the owner's zone, on the 24-hour clock chosen


# --- The clock follows the visitor's language ------------------------------------------------


@pytest.mark.parametrize(("language", "label"), [
    ("en-US,en;q=0.9", "9:00 AM"), ("en-GB,en;q=0.9", "09:00"), ("de-DE,de;q=0.9", "09:00"),
    ("de", "09:00"), ("fr-FR", "09:00"), ("", "9:00 AM"),
])
def test_times_follow_the_visitors_locale(client, meeting_type, language, label):
    html = client.get(book_url(meeting_type), {"tz": "America/New_York", "date": "2026-12-02"},
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()

    times = html.split('id="picker-times"')[1]
    assert f">{label}<" in times
    assert 'data-clock="24" aria-current="true"' in html if label == "09:00" else 'data-clock="12" aria-current="true"' in html


def test_the_clock_switch_beats_the_locale(client, meeting_type):
    client.cookies["clock"] = "12"
    html = client.get(book_url(meeting_type), {"tz": "America/New_York", "date": "2026-12-02"},
                      HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()

    assert ">9:00 AM<" in html
    assert "clock=24" in html and "clock=12" in html
