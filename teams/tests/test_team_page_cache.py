"""The public team pages are served from the versioned public page cache (as the personal page
is): a hit runs no query, and every change of what they show is visible on the very next view:
the team, its members and its meeting types (the team's own version and its people's content),
and the times (every member's bookings and other calendars)."""
from datetime import time, timedelta

import pytest
import time_machine
from django.test import Client

from accounts.services import owner_set_plan
from calendars.services import feed_add
from calendars.tests.ics_samples import calendar, event
from leadmonk import content_version
from scheduling.models import MeetingTypeState
from scheduling.selectors import format_slot_start
from scheduling.services import booking_cancel, booking_create
from teams import services
from teams.models import Membership, TeamMeetingKind
from tests import (
    NINE_AM,
    NOW,
    WEEKDAYS_9_TO_5,
    make_meeting_type,
    make_member,
    make_team,
    make_team_meeting_type,
    set_weekly_hours,
)

MONDAY = "?date=2026-12-07&tz=America/New_York"  # Monday 7 December 2026, New York
FRAGMENT = "?fragment=picker&month=2026-12&date=2026-12-07&tz=America/New_York"


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(owner):
    """Casey (Team plan) and Ben in team "acme": "Intro call" (round robin), "Panel review" (both)."""
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben Baker", plan="team")
    team = make_team(owner, members=[ben], slug="acme", name="Acme Coaching")
    rr = make_team_meeting_type(team, name="Intro call", slug="intro-call", now=NOW)
    co = make_team_meeting_type(team, name="Panel review", slug="panel-review", kind=TeamMeetingKind.COLLECTIVE,
                                now=NOW)
    return team, owner, ben, rr, co


def host_everyone(team_meeting_type) -> None:
    team = team_meeting_type.team
    services.team_meeting_type_save(
        team=team, by=team.owner, team_meeting_type=team_meeting_type, now=NOW,
        fields={name: getattr(team_meeting_type, name) for name in services.EDITABLE_FIELDS},
        memberships=list(team.memberships.all()))


def get(path: str, client: Client | None = None) -> str:
    response = (client or Client()).get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def offers(path: str, start) -> bool:
    return f"start={format_slot_start(start).replace(':', '%3A')}" in get(path)


PAGES = ["/team/acme/", f"/team/acme/intro-call/{MONDAY}", f"/team/acme/panel-review/{FRAGMENT}",
         "/team/acme/panel-review/"]


@pytest.mark.parametrize("size", [0, 3])
@pytest.mark.parametrize("path", PAGES)
def test_a_team_page_served_again_runs_no_query(world, path, size, django_assert_num_queries):
    team, owner, ben, rr, co = world
    for i in range(size):  # more members, each hosting both types
        Membership.objects.create(team=team, user=make_member(email=f"m{i}@example.com", slug=f"m{i}", plan="team"))
    host_everyone(rr)
    host_everyone(co)
    first = get(path)

    with django_assert_num_queries(0):
        again = get(path)
    content_version.owner_hints_forget()  # a worker that has not served this team yet
    with django_assert_num_queries(0):
        elsewhere = get(path)

    assert again == elsewhere == first or "csrfmiddlewaretoken" in first


def test_the_team_and_its_meeting_types_show_at_once(world):
    team, owner, ben, rr, co = world
    assert "Acme Coaching" in get("/team/acme/") and "Intro call" in get("/team/acme/")

    services.team_update(team=team, by=owner, name="Acme Mentors", slug="acme", timezone_name=team.timezone)
    assert "Acme Mentors" in get("/team/acme/") and "Acme Mentors" in get("/team/acme/intro-call/")

    services.team_meeting_type_set_state(team_meeting_type=rr, by=owner, state=MeetingTypeState.DISABLED)
    assert "Intro call" not in get("/team/acme/")
    assert Client().get("/team/acme/intro-call/").status_code == 404

    make_team_meeting_type(team, name="Strategy session", slug="strategy", now=NOW)
    assert "Strategy session" in get("/team/acme/")


def test_members_joining_leaving_and_renaming_show_at_once(world):
    team, owner, ben, rr, co = world
    assert "Ben Baker" in get("/team/acme/")

    ben.display_name = "Benjamin Baker"
    ben.save()
    assert "Benjamin Baker" in get("/team/acme/")

    services.membership_remove(membership=team.memberships.get(user=ben), by=owner)
    assert "Benjamin" not in get("/team/acme/")

    dana = make_member(email="dana@example.com", slug="dana", display_name="Dana Diaz", plan="team")
    Membership.objects.create(team=team, user=dana)
    host_everyone(rr)
    assert "Dana Diaz" in get("/team/acme/")


def test_the_team_owners_plan_shows_at_once(world):
    team, owner, ben, rr, co = world
    assert "Intro call" in get("/team/acme/")

    owner_set_plan(owner=owner, plan="free")

    html = get("/team/acme/")
    assert "Not taking bookings" in html and "Intro call" not in html
    assert Client().get(f"/team/acme/intro-call/{MONDAY}").status_code == 404


@pytest.mark.parametrize("path", [f"/team/acme/panel-review/{MONDAY}", f"/team/acme/panel-review/{FRAGMENT}"])
def test_a_members_own_booking_takes_the_collective_time_at_once_and_its_cancellation_frees_it(world, path):
    team, owner, ben, rr, co = world
    bens = make_meeting_type(ben, slug="ben-1-1")
    assert offers(path, NINE_AM)

    booking = booking_create(meeting_type=bens, start=NINE_AM, client_name="P", client_email="p@example.com")
    assert not offers(path, NINE_AM) and offers(path, NINE_AM + timedelta(minutes=30))

    booking_cancel(booking=booking)
    assert offers(path, NINE_AM)


def test_a_round_robin_time_goes_when_every_host_is_booked(world):
    team, owner, ben, rr, co = world
    path = f"/team/acme/intro-call/{MONDAY}"
    caseys, bens = make_meeting_type(owner, slug="casey-1-1"), make_meeting_type(ben, slug="ben-1-1")
    assert offers(path, NINE_AM)

    booking_create(meeting_type=caseys, start=NINE_AM, client_name="P", client_email="p@example.com")
    assert offers(path, NINE_AM)  # Ben is still free

    booking_create(meeting_type=bens, start=NINE_AM, client_name="Q", client_email="q@example.com")
    assert not offers(path, NINE_AM)


def test_a_members_hours_show_at_once(world):
    team, owner, ben, rr, co = world
    path = f"/team/acme/panel-review/{MONDAY}"
    assert offers(path, NINE_AM)

    set_weekly_hours(ben, {day: [(time(13), time(17))] for day in WEEKDAYS_9_TO_5})

    assert not offers(path, NINE_AM)
    assert offers(path, NINE_AM + timedelta(hours=4))


def test_a_members_other_calendar_takes_the_time_at_once(world, feed_server):
    team, owner, ben, rr, co = world
    path = f"/team/acme/panel-review/{MONDAY}"
    assert offers(path, NINE_AM)

    url = feed_server.serve("/ben.ics", calendar(event("dentist", "20261207T140000Z", "20261207T150000Z")))
    feed_add(owner=ben, url=url, name="Work", all_day_busy=False, now=NOW)

    assert not offers(path, NINE_AM)
