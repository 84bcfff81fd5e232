"""ICS feeds in Settings > Calendars: what the owner adds, what becomes busy, what is refused.
Served by a real local HTTP server (tests.calendar_servers), no HTTP mocks."""
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import time_machine
from django.core.cache import cache

from calendars import services
from calendars.models import CalendarConnection
from calendars.tests.ics_samples import CUSTOM_ZONE, calendar, event
from leadmonk.content_version import _version_key
from scheduling.availability import available_slots
from scheduling.models import ExternalBusy
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_meeting_type, set_weekly_hours

LIST = "/dashboard/settings/calendars/"
MONDAY = NINE_AM  # Monday 7 December 2026, 09:00 in New York (14:00 UTC)


def busy(owner) -> list[tuple[datetime, datetime]]:
    return sorted(ExternalBusy.objects.filter(owner=owner).values_list("start", "end"))


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def starts_on_monday(meeting_type) -> list[datetime]:
    return [slot.start for slot in available_slots(
        meeting_type=meeting_type, range_start=MONDAY, range_end=MONDAY + timedelta(hours=8), now=NOW)]


@time_machine.travel(NOW, tick=False)
def test_a_feed_added_on_the_page_blocks_its_times_on_the_booking_page(owner, owner_client, feed_server):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    owner_client.force_login(owner)  # a session of the suite's clock has expired at NOW
    url = feed_server.serve("/work.ics", calendar(event("dentist", "20261207T150000Z", "20261207T160000Z")))
    assert utc(2026, 12, 7, 15, 0) in starts_on_monday(meeting_type)

    response = owner_client.post(LIST, {"form": "feed", "feed-url": url, "feed-name": "Work",
                                        "feed-all_day_busy": "on"}, follow=True)

    assert "“Work” added: 1 events read." in response.text
    assert busy(owner) == [(utc(2026, 12, 7, 15, 0), utc(2026, 12, 7, 16, 0))]
    offered = starts_on_monday(meeting_type)
    assert utc(2026, 12, 7, 15, 0) not in offered and utc(2026, 12, 7, 15, 30) not in offered
    assert utc(2026, 12, 7, 14, 30) in offered and utc(2026, 12, 7, 16, 0) in offered
    page = owner_client.get(LIST).text
    assert "Work" in page and "Last good refresh: 1 Dec 2026, 7:00 AM" in page


def test_recurring_events_with_their_exceptions_free_and_cancelled_ones(owner, feed_server):
    feed = calendar(
        # Every Monday 10:00-11:00 in the file's own zone (UTC+1 in winter: 09:00 UTC), four times;
        # the 14th moved to 13:00, the 21st left out, the 28th cancelled.
        event("weekly", ";TZID=Coach Local Time:20261207T100000", ";TZID=Coach Local Time:20261207T110000",
              "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=Coach Local Time:20261221T100000"),
        event("weekly", ";TZID=Coach Local Time:20261214T130000", ";TZID=Coach Local Time:20261214T140000",
              "RECURRENCE-ID;TZID=Coach Local Time:20261214T100000"),
        event("weekly", ";TZID=Coach Local Time:20261228T100000", ";TZID=Coach Local Time:20261228T110000",
              "RECURRENCE-ID;TZID=Coach Local Time:20261228T100000", "STATUS:CANCELLED"),
        event("free", "20261208T150000Z", "20261208T160000Z", "TRANSP:TRANSPARENT"),
        event("cancelled", "20261209T150000Z", "20261209T160000Z", "STATUS:CANCELLED"),
        event("holiday", ";VALUE=DATE:20261210", ";VALUE=DATE:20261211"),
        event("floating", "20261211T090000", "20261211T093000"),  # no zone: the owner's (New York)
        zones=CUSTOM_ZONE,
    )
    url = feed_server.serve("/team.ics", feed)

    connection = services.feed_add(owner=owner, url=url, name="", all_day_busy=True, now=NOW)

    assert busy(owner) == [
        (utc(2026, 12, 7, 9, 0), utc(2026, 12, 7, 10, 0)),
        (utc(2026, 12, 10, 5, 0), utc(2026, 12, 10, 17, 0)),  # the holiday, New York midnight to midnight,
        (utc(2026, 12, 10, 17, 0), utc(2026, 12, 11, 5, 0)),  # in pieces of at most 12 hours
        (utc(2026, 12, 11, 14, 0), utc(2026, 12, 11, 14, 30)),
        (utc(2026, 12, 14, 12, 0), utc(2026, 12, 14, 13, 0)),
    ]
    assert connection.event_count == 7 and connection.skipped_count == 0

    services.connection_set_all_day(connection=connection, all_day_busy=False)
    services.connection_refresh(connection_id=connection.pk, now=NOW)

    assert (utc(2026, 12, 10, 5, 0), utc(2026, 12, 10, 17, 0)) not in busy(owner)
    assert len(busy(owner)) == 3


@pytest.mark.parametrize(("start", "end", "until"), [
    # Outlook and Lotus write UNTIL in the series' own zone, without the Z RFC 5545 asks for: here
    # the last Monday's own start, which that Monday is part of.
    (";TZID=America/New_York:20261207T100000", ";TZID=America/New_York:20261207T110000", "20261221T100000"),
    # A series in the reader's zone (no TZID) ending at a UTC instant.
    ("20261207T100000", "20261207T110000", "20261221T235959Z"),
    # UNTIL as a date (the last Monday) although the series starts at a time of day.
    (";TZID=America/New_York:20261207T100000", ";TZID=America/New_York:20261207T110000", "20261221"),
])
def test_a_weekly_series_whose_until_is_written_loosely_still_blocks_its_times(owner, feed_server, start, end,
                                                                                until):
    """Calendar apps write a series' UNTIL in forms RFC 5545 does not allow but every calendar app
    reads: the series is the owner's meeting every Monday all the same, not a broken event."""
    url = feed_server.serve("/series.ics", calendar(event("team-sync", start, end, f"RRULE:FREQ=WEEKLY;UNTIL={until}")))

    connection = services.feed_add(owner=owner, url=url, name="Work", all_day_busy=True, now=NOW)

    # Mondays 7, 14 and 21 December, 10:00-11:00 in New York (15:00-16:00 UTC).
    assert busy(owner) == [(utc(2026, 12, day, 15, 0), utc(2026, 12, day, 16, 0)) for day in (7, 14, 21)]
    assert connection.event_count == 1 and connection.skipped_count == 0


def test_a_refresh_that_changed_nothing_leaves_the_cache_alone(owner, feed_server):
    url = feed_server.serve("/a.ics", calendar(event("one", "20261207T150000Z", "20261207T160000Z")))
    connection = services.feed_add(owner=owner, url=url, name="A", all_day_busy=True, now=NOW)
    version = cache.get(_version_key("bookings", owner.pk))
    assert version

    assert services.connection_refresh(connection_id=connection.pk, now=NOW) is False
    assert feed_server.conditional_answers()[-1] == 304  # ETag sent back: nothing read again
    assert cache.get(_version_key("bookings", owner.pk)) == version

    feed_server.serve("/a.ics", calendar(event("one", "20261207T150000Z", "20261207T163000Z")))
    assert services.connection_refresh(connection_id=connection.pk, now=NOW) is True
    assert cache.get(_version_key("bookings", owner.pk)) != version
    assert busy(owner) == [(utc(2026, 12, 7, 15, 0), utc(2026, 12, 7, 16, 30))]


def test_a_feed_that_does_not_change_still_blocks_the_far_end_of_a_long_booking_window(owner, feed_server):
    """The busy times are read up to a date; a feed answering 304 day after day must not leave the
    days past that date free while the booking window moves on over them."""
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, horizon_days=365)
    url = feed_server.serve("/weekly.ics", calendar(event(  # every Monday 10:00-11:00 in New York, no end
        "standup", ";TZID=America/New_York:20261207T100000", ";TZID=America/New_York:20261207T110000",
        "RRULE:FREQ=WEEKLY")))
    connection = services.feed_add(owner=owner, url=url, name="Work", all_day_busy=True, now=NOW)
    later = NOW + timedelta(days=30)

    services.connection_refresh(connection_id=connection.pk, now=later)

    last_monday = utc(2027, 12, 27, 15, 0)  # 10:00 in New York: past the first read, within 365 days of `later`
    offered = [slot.start for slot in available_slots(meeting_type=meeting_type, range_start=last_monday,
                                                      range_end=last_monday + timedelta(hours=8), now=later)]
    assert offered and last_monday not in offered and last_monday + timedelta(minutes=30) not in offered


def _feed_gone_after_it_was_read(owner, feed_server):
    """A feed with one event (15:00-16:00 UTC on 7 December), added at NOW; its address answers 404 since."""
    url = feed_server.serve("/b.ics", calendar(event("one", "20261207T150000Z", "20261207T160000Z")))
    connection = services.feed_add(owner=owner, url=url, name="B", all_day_busy=True, now=NOW)
    feed_server.files.clear()
    return connection


def test_a_failing_feed_keeps_its_last_good_busy_times_and_shows_the_error(owner, owner_client, feed_server):
    connection = _feed_gone_after_it_was_read(owner, feed_server)

    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        owner_client.force_login(owner)
        services.connection_refresh(connection_id=connection.pk)
        page = owner_client.get(LIST).text
    assert busy(owner) == [(utc(2026, 12, 7, 15, 0), utc(2026, 12, 7, 16, 0))]
    assert "Last refresh failed:" in page and "There is no calendar at that address (404)." in page
    assert "has not refreshed for over an hour" not in page

    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        owner_client.force_login(owner)
        services.connection_refresh(connection_id=connection.pk)
        page = owner_client.get("/dashboard/").text
    assert "A calendar of yours has not refreshed for over an hour." in page
    assert busy(owner) == [(utc(2026, 12, 7, 15, 0), utc(2026, 12, 7, 16, 0))]

    feed_server.serve("/b.ics", calendar())
    with time_machine.travel(NOW + timedelta(minutes=70), tick=False):
        owner_client.force_login(owner)
        services.connection_refresh(connection_id=connection.pk)
        page = owner_client.get("/dashboard/").text
    assert "has not refreshed for over an hour" not in page
    assert busy(owner) == []


@time_machine.travel(NOW, tick=True)  # the events are on 7 December 2026: in the future whatever the suite's clock
def test_broken_events_are_skipped_counted_and_shown(owner, owner_client, feed_server):
    owner_client.force_login(owner)  # a session made at the suite's clock may not be valid at NOW
    url = feed_server.serve("/c.ics", calendar(
        event("good", "20261207T150000Z", "20261207T160000Z"),
        event("no-date", "tomorrow", "20261207T160000Z"),
        event("backwards", "20261207T170000Z", "20261207T160000Z"),
        event("bad-rule", "20261208T150000Z", "20261208T160000Z", "RRULE:FREQ=SOMETIMES"),
    ))

    response = owner_client.post(LIST, {"form": "feed", "feed-url": url, "feed-name": "C"}, follow=True)

    assert busy(owner) == [(utc(2026, 12, 7, 15, 0), utc(2026, 12, 7, 16, 0))]
    assert "1 events read" in response.text and "3 broken events skipped" in response.text


@pytest.mark.parametrize(("address", "serve", "message"), [
    ("ftp://example.com/cal.ics", None, "Enter an address that starts with https:// (or http://)."),
    ("javascript:alert(1)", None, "Enter an address that starts with https:// (or http://)."),
    ("http://[::1/cal.ics", None, "That is not a valid address."),
    ("http://example.com:port/cal.ics", None, "That is not a valid address."),
    ("/page.ics", {"body": "<!doctype html><html><body>Sign in</body></html>", "content_type": "text/html"},
     "The address answered with something that is not a calendar (no BEGIN:VCALENDAR)."),
    ("/huge.ics", {"body": "BEGIN:VCALENDAR\r\n" + "X-PAD:" + "x" * (6 * 1024 * 1024)},
     "The calendar is larger than 5 MB, the most we read."),
    ("/secret.ics", {"body": "no", "status": 401}, "The calendar address asks for a password"),
    ("/missing.ics", None, "There is no calendar at that address (404)."),
])
def test_a_feed_that_cannot_be_read_is_refused_with_its_reason(owner, owner_client, feed_server, address, serve,
                                                               message):
    url = feed_server.serve(address, **serve) if serve else (
        feed_server.url + address.lstrip("/") if address.startswith("/") else address)

    response = owner_client.post(LIST, {"form": "feed", "feed-url": url, "feed-name": "X"})

    assert response.status_code == 400
    assert message in response.text and "Nothing was saved." in response.text
    assert not CalendarConnection.objects.exists() and not ExternalBusy.objects.exists()


def test_addresses_on_this_machine_or_a_private_network_are_refused(owner, owner_client, feed_server, settings):
    """Server-side request forgery: in production the address is checked where the socket opens."""
    settings.CALENDAR_ALLOW_PRIVATE_ADDRESSES = False
    served = feed_server.serve("/ok.ics", calendar(event("one", "20261207T150000Z", "20261207T160000Z")))
    port = served.split(":")[2].split("/")[0]
    for url in (served, f"http://localhost:{port}/ok.ics", "http://10.0.0.7/cal.ics",
                "http://169.254.169.254/latest/meta-data/", f"http://[::1]:{port}/ok.ics", "http://0.0.0.0/"):
        response = owner_client.post(LIST, {"form": "feed", "feed-url": url, "feed-name": "X"})

        assert "That address points at a private or local network" in response.text, url
    assert feed_server.requests == []  # nothing ever reached the server
    assert not CalendarConnection.objects.exists()


@time_machine.travel(NOW, tick=True)  # the event is on 7 December 2026: in the future whatever the suite's clock
def test_refresh_now_reads_the_feed_again_and_remove_frees_its_times(owner, owner_client, feed_server,
                                                                      django_capture_on_commit_callbacks):
    owner_client.force_login(owner)  # a session made at the suite's clock may not be valid at NOW
    url = feed_server.serve("/d.ics", calendar(event("one", "20261207T150000Z", "20261207T160000Z")))
    connection = services.feed_add(owner=owner, url=url, name="D", all_day_busy=True, now=NOW)
    feed_server.requests.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"{LIST}{connection.pk}/refresh/", follow=True)

    assert "“D” is being refreshed." in response.text
    assert feed_server.conditional_answers() == [200]  # read whole, not answered 304
    version = cache.get(_version_key("bookings", owner.pk))

    response = owner_client.post(f"{LIST}{connection.pk}/remove/", follow=True)

    assert "“D” removed; its busy times no longer block bookings." in response.text
    assert busy(owner) == [] and not CalendarConnection.objects.exists()
    assert cache.get(_version_key("bookings", owner.pk)) != version


def test_another_owner_cannot_refresh_or_remove_a_calendar(owner, other_owner, client, feed_server):
    url = feed_server.serve("/e.ics", calendar(event("one", "20261207T150000Z", "20261207T160000Z")))
    connection = services.feed_add(owner=owner, url=url, name="E", all_day_busy=True, now=NOW)
    client.force_login(other_owner)

    for path in (f"{LIST}{connection.pk}/", f"{LIST}{connection.pk}/refresh/", f"{LIST}{connection.pk}/remove/"):
        assert client.post(path).status_code == 404
    assert CalendarConnection.objects.filter(pk=connection.pk).exists() and len(busy(owner)) == 1
    assert "e.ics" not in client.get(LIST).text


def _event_by_length(uid: str, start: str, duration: str, *extra: str) -> str:
    lines = [f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"DTSTART;TZID=America/New_York:{start}",
             f"DURATION:{duration}", f"SUMMARY:{uid}", *extra]
    return "BEGIN:VEVENT\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("duration, end", [
    # Across the spring change (02:00 becomes 03:00 in New York): two hours of real time, to 04:00.
    ("PT2H", utc(2027, 3, 14, 8, 0)),
    # A day is a calendar day (RFC 5545 3.3.6): to 01:00 the next day, 23 hours later here.
    ("P1D", utc(2027, 3, 15, 5, 0)),
    ("P1DT1H", utc(2027, 3, 15, 6, 0)),
])
def test_an_events_length_across_the_clock_change_blocks_the_time_it_really_takes(owner, feed_server, duration, end):
    """An event given by its length (DURATION, no DTEND): hours are exact and days follow the
    calendar, so two hours from 01:00 on the night the clocks go forward end at 04:00 by the clock,
    not at 03:00, which a client could then book over."""
    url = feed_server.serve("/night.ics", calendar(_event_by_length("night", "20270314T010000", duration)))

    services.feed_add(owner=owner, url=url, name="Work", all_day_busy=True, now=NOW)

    pieces = busy(owner)  # a long event is stored in pieces end to end
    assert all(piece[1] == after[0] for piece, after in pairwise(pieces))
    assert (pieces[0][0], pieces[-1][1]) == (utc(2027, 3, 14, 6, 0), end)


@time_machine.travel(NOW, tick=False)
def test_a_weekly_series_given_by_its_length_keeps_it_and_a_moved_occurrence_keeps_its_own_end(owner, feed_server):
    moved = ("BEGIN:VEVENT\r\nUID:night\r\nDTSTAMP:20261101T000000Z\r\n"
             "RECURRENCE-ID;TZID=America/New_York:20270321T010000\r\n"
             "DTSTART;TZID=America/New_York:20270321T020000\r\nDTEND;TZID=America/New_York:20270321T030000\r\n"
             "SUMMARY:night\r\nEND:VEVENT\r\n")
    series = _event_by_length("night", "20270307T010000", "PT2H", "RRULE:FREQ=WEEKLY;COUNT=3")
    url = feed_server.serve("/series.ics", calendar(series, moved))

    services.feed_add(owner=owner, url=url, name="Work", all_day_busy=True, now=NOW)

    assert busy(owner) == [(utc(2027, 3, 7, 6, 0), utc(2027, 3, 7, 8, 0)),   # EST, two hours
                           (utc(2027, 3, 14, 6, 0), utc(2027, 3, 14, 8, 0)),  # across the change, two hours
                           (utc(2027, 3, 21, 6, 0), utc(2027, 3, 21, 7, 0))]  # moved, its own DTEND


def test_removing_the_calendar_that_stopped_refreshing_takes_its_banner_away(owner, owner_client, feed_server):
    connection = _feed_gone_after_it_was_read(owner, feed_server)
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        owner_client.force_login(owner)
        services.connection_refresh(connection_id=connection.pk)
        assert "has not refreshed for over an hour" in owner_client.get("/dashboard/").text

        owner_client.post(f"{LIST}{connection.pk}/remove/")

        assert "has not refreshed for over an hour" not in owner_client.get("/dashboard/").text


@time_machine.travel(NOW, tick=False)  # the accounts are added at NOW, whatever the suite's clock
def test_a_calendar_that_never_refreshed_keeps_its_banner_while_another_refreshes(owner, owner_client, feed_server):
    """A CalDAV account whose server has refused every read since it was chosen has no good refresh
    at all: another calendar that refreshes well does not take the banner away."""
    good = services.feed_add(owner=owner, url=feed_server.serve("/good.ics", calendar()), name="Good",
                             all_day_busy=True, now=NOW)
    broken = services.feed_add(owner=owner, url=feed_server.serve("/broken.ics", calendar()), name="Broken",
                               all_day_busy=True, now=NOW)
    CalendarConnection.objects.filter(pk=broken.pk).update(last_success_at=None)
    feed_server.files.pop("/broken.ics")
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        owner_client.force_login(owner)
        services.connection_refresh(connection_id=broken.pk)
        services.connection_refresh(connection_id=good.pk)

        assert "A calendar of yours has not refreshed for over an hour." in owner_client.get("/dashboard/").text


def zoned_feed(zone_name: str, *events: str) -> str:
    """A feed that names its calendar's zone as Google and Outlook do (X-WR-TIMEZONE)."""
    return calendar(*events).replace("PRODID:-//Tests//EN\r\n", f"PRODID:-//Tests//EN\r\nX-WR-TIMEZONE:{zone_name}\r\n")


@time_machine.travel(NOW, tick=False)
def test_a_feed_naming_its_zone_the_windows_way_is_added_and_its_series_keeps_its_hour_in_summer(
        owner, owner_client, feed_server):
    """Outlook names a calendar's zone by its Windows name: Mondays at 09:00 in Berlin, written in
    UTC, are still at 09:00 in Berlin after the clock change of 28 March 2027."""
    owner_client.force_login(owner)  # a session of the suite's clock has expired at NOW
    url = feed_server.serve("/outlook.ics", zoned_feed(
        "W. Europe Standard Time", event("standup", "20261207T080000Z", "20261207T090000Z", "RRULE:FREQ=WEEKLY;COUNT=20")))

    response = owner_client.post(LIST, {"form": "feed", "feed-url": url, "feed-name": "Outlook"}, follow=True)

    assert "“Outlook” added: 1 events read." in response.text
    assert busy(owner)[0] == (utc(2026, 12, 7, 8, 0), utc(2026, 12, 7, 9, 0))
    assert (utc(2027, 3, 29, 7, 0), utc(2027, 3, 29, 8, 0)) in busy(owner)


def test_a_feed_naming_a_zone_no_one_knows_is_read_as_its_times_are_written(owner, feed_server):
    url = feed_server.serve("/odd.ics", zoned_feed("Somewhere Standard Time",
                                                   event("one", "20261207T150000Z", "20261207T160000Z")))

    connection = services.feed_add(owner=owner, url=url, name="Odd", all_day_busy=True, now=NOW)

    assert busy(owner) == [(utc(2026, 12, 7, 15, 0), utc(2026, 12, 7, 16, 0))]
    assert connection.event_count == 1


def test_a_meeting_the_coach_declined_leaves_its_time_free(owner, feed_server):
    """Google's and CalDAV servers' calendars keep the invitations their owner declined (the
    coach's ATTENDEE line says PARTSTAT=DECLINED): the coach is not going, so the time is free.
    A meeting someone else declined still keeps the coach busy."""
    url = feed_server.serve("/google.ics", calendar(
        event("declined", "20261207T150000Z", "20261207T160000Z",
              "ORGANIZER:mailto:boss@example.com",
              "ATTENDEE;PARTSTAT=DECLINED;CN=Casey:mailto:Owner@Example.com",
              "ATTENDEE;PARTSTAT=ACCEPTED:mailto:boss@example.com"),
        event("others-declined", "20261208T150000Z", "20261208T160000Z",
              "ATTENDEE;PARTSTAT=ACCEPTED:mailto:owner@example.com",
              "ATTENDEE;PARTSTAT=DECLINED:mailto:guest@example.com"),
        # A Google calendar is named after its address: the coach's there may not be their Leadmonk one.
        event("declined-at-google", "20261209T150000Z", "20261209T160000Z",
              "ATTENDEE;PARTSTAT=DECLINED:mailto:casey.coach@gmail.com"),
    ).replace("PRODID:-//Tests//EN\r\n", "PRODID:-//Tests//EN\r\nX-WR-CALNAME:casey.coach@gmail.com\r\n"))

    services.feed_add(owner=owner, url=url, name="Google", all_day_busy=True, now=NOW)

    assert busy(owner) == [(utc(2026, 12, 8, 15, 0), utc(2026, 12, 8, 16, 0))]
