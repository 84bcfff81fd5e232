"""The public team pages: /team/<team-slug>/ lists the team's meeting types in the style of the
personal page and never shows packages (DESIGN.md rule 2); booking a team meeting works end to end;
below the Team plan the page says it is not taking bookings."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from scheduling.models import Booking, BookingStatus
from scheduling.selectors import format_slot_start
from scheduling.services import booking_create
from teams import services
from teams.models import TeamMeetingKind
from tests import (
    NINE_AM,
    NOW,
    WEEKDAYS_9_TO_5,
    make_meeting_type,
    make_member,
    make_package,
    make_team,
    make_team_meeting_type,
    set_weekly_hours,
)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(owner):
    """Casey (Team plan, package "Casey Pack") and Ben (package "Ben Pack") in team "acme"."""
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben Baker", plan="team")
    make_package(owner, items=[(make_meeting_type(owner, name="Casey 1:1", slug="casey-1-1"), 3)], name="Casey Pack",
                 slug="casey-pack")
    make_package(ben, items=[(make_meeting_type(ben, name="Ben 1:1", slug="ben-1-1"), 2)], name="Ben Pack",
                 slug="ben-pack")
    team = make_team(owner, members=[ben], slug="acme", name="Acme Coaching")
    rr = make_team_meeting_type(team, name="Intro call", slug="intro-call", now=NOW)
    co = make_team_meeting_type(team, name="Panel review", slug="panel-review", kind=TeamMeetingKind.COLLECTIVE,
                                now=NOW)
    return team, owner, ben, rr, co


def test_the_team_page_lists_its_meeting_types_with_their_hosts(client, world):
    html = client.get("/team/acme/").content.decode()

    assert "Acme Coaching" in html
    assert "Intro call" in html and "/team/acme/intro-call/" in html
    assert "Panel review" in html and "/team/acme/panel-review/" in html
    assert "Ben Baker" in html and "Casey Coach" in html
    # Round robin: any one host; collective: every host together.
    assert "With one of " in html and html.count("<span>With ") == 2


@pytest.mark.parametrize("path", ["/team/acme/", "/team/acme/intro-call/", "/team/acme/panel-review/",
                                  "/team/acme/intro-call/?date=2026-12-07"])
def test_no_team_page_shows_any_package_of_the_owner_or_a_member(client, world, path):
    html = client.get(path).content.decode()

    assert "Casey Pack" not in html and "Ben Pack" not in html
    assert "Packages" not in html and "/packages/" not in html


@pytest.mark.parametrize("path", ["/team/acme/packages/casey-pack/", "/team/acme/packages/ben-pack/",
                                  "/team/acme/casey-pack/", "/team/acme/ben-pack/", "/team/acme/packages/",
                                  "/team/coach/packages/casey-pack/", "/team/packages/"])
def test_a_package_url_under_a_team_path_is_not_found(client, world, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "Casey Pack" not in response.content.decode()


def test_a_members_packages_still_show_on_their_personal_page(client, world):
    assert "Ben Pack" in client.get("/ben/").content.decode()
    assert "Casey Pack" in client.get("/coach/").content.decode()
    assert "Intro call" not in client.get("/ben/").content.decode()  # team types are not personal ones


def test_a_client_books_a_round_robin_meeting_through_the_team_page(client, world, django_capture_on_commit_callbacks):
    team, owner, ben, rr, co = world
    start = format_slot_start(NINE_AM)
    picker = client.get("/team/acme/intro-call/?date=2026-12-07&tz=America/New_York").content.decode()
    assert f"start={start.replace(':', '%3A')}" in picker

    details = client.get(f"/team/acme/intro-call/?start={start}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/team/acme/intro-call/", {
            "start": start, "client_name": "Ana Client", "client_email": "ana@example.com",
            "client_timezone": "Europe/London"})

    assert "Your details" in details.content.decode()
    booking = Booking.objects.get(client_email="ana@example.com")
    assert response.status_code == 302 and response["Location"] == f"/bookings/{booking.token}/?booked=1"
    assert booking.owner_id in (owner.pk, ben.pk) and booking.start == NINE_AM
    assert "ana@example.com" in [address for message in mail.outbox for address in message.to]
    # The client's link works: the booking page, then cancelling it.
    assert "Intro call" in client.get(f"/bookings/{booking.token}/").content.decode()
    client.post(f"/bookings/{booking.token}/cancel/", {"reason": ""})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_team_type_that_asks_for_a_mobile_number_gets_one_before_it_books(owner_client, client, world):
    team, owner, ben, rr, co = world
    shown = owner_client.get(f"/dashboard/teams/{team.pk}/meeting-types/{rr.pk}/").context["form"]
    owner_client.post(f"/dashboard/teams/{team.pk}/meeting-types/{rr.pk}/", {
        **{name: value for name, value in shown.initial.items() if value is not False}, "requires_mobile": "on"})
    details = {"start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com",
               "client_timezone": "Europe/London"}

    refused = client.post("/team/acme/intro-call/", details)
    client.post("/team/acme/intro-call/", {**details, "client_phone": "+1 212 555 0100"})

    assert all(copy.requires_mobile for copy in services.host_meeting_types(rr))
    assert refused.status_code == 200
    assert "Please enter your mobile number: this meeting needs one." in refused.content.decode()
    assert not Booking.objects.filter(client_email="ana@example.com", client_phone="").exists()
    assert Booking.objects.get(client_email="ana@example.com").client_phone


def test_a_collective_time_not_free_for_every_host_is_refused_with_a_message(client, world):
    team, owner, ben, rr, co = world
    booking_create(meeting_type=make_meeting_type(ben), start=NINE_AM, client_name="P", client_email="p@example.com")

    response = client.post("/team/acme/panel-review/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})

    assert "That time is no longer available" in response.content.decode()
    assert not Booking.objects.filter(client_email="ana@example.com").exists()


def test_each_member_sees_their_team_bookings_on_their_dashboard(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/panel-review/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana Panel", "client_email": "ana@example.com"})

    for user in (owner, ben):
        client.force_login(user)
        html = client.get("/dashboard/").content.decode()
        assert "Ana Panel" in html and "Panel review" in html
        assert '<span class="badge badge-info">Team</span>' in html  # told apart from their own bookings


def test_below_the_team_plan_the_team_page_is_not_taking_bookings_and_bookings_stay(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/intro-call/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    owner.plan = "pro"
    owner.save()

    page = client.get("/team/acme/").content.decode()
    book = client.get("/team/acme/intro-call/")
    post = client.post("/team/acme/intro-call/", {
        "start": format_slot_start(NINE_AM + timedelta(hours=1)), "client_name": "Bo", "client_email": "bo@example.com"})

    assert "not taking bookings" in page and "Intro call" not in page
    assert book.status_code == 404 and "not taking bookings" in book.content.decode()
    assert post.status_code == 404
    assert Booking.objects.get(client_email="ana@example.com").status == BookingStatus.CONFIRMED
    assert not Booking.objects.filter(client_email="bo@example.com").exists()


def test_an_unknown_team_or_meeting_type_is_not_found(client, world):
    assert client.get("/team/nope/").status_code == 404
    assert client.get("/team/acme/nope/").status_code == 404


def test_the_clients_page_of_a_collective_booking_names_every_host_and_reschedules_them_all(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/panel-review/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    lead = Booking.objects.get(client_email="ana@example.com", lead__isnull=True)
    later = NINE_AM + timedelta(hours=3)

    page = client.get(f"/bookings/{lead.token}/").content.decode()
    client.post(f"/bookings/{lead.token}/reschedule/", {"start": format_slot_start(later)})

    assert "Casey Coach" in page and "Ben Baker" in page
    assert set(Booking.objects.filter(client_email="ana@example.com").values_list("start", flat=True)) == {later}


def test_moving_a_collective_booking_offers_only_times_when_every_host_is_free(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/panel-review/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    lead = Booking.objects.get(client_email="ana@example.com", lead__isnull=True)
    bens_busy = NINE_AM + timedelta(hours=3)
    booking_create(meeting_type=make_meeting_type(ben), start=bens_busy, client_name="P", client_email="p@example.com")
    url = f"/bookings/{lead.token}/reschedule/"

    picker = client.get(f"{url}?date=2026-12-07&tz=America/New_York").content.decode()
    busy = client.get(f"{url}?start={format_slot_start(bens_busy)}").content.decode()
    free = client.get(f"{url}?start={format_slot_start(bens_busy + timedelta(hours=1))}").content.decode()

    assert format_slot_start(bens_busy).replace(":", "%3A") not in picker
    assert format_slot_start(bens_busy + timedelta(hours=1)).replace(":", "%3A") in picker
    assert "That time is no longer available" in busy
    assert "That time is no longer available" not in free


def test_a_team_copy_cannot_be_booked_from_the_members_personal_page(client, world):
    team, owner, ben, rr, co = world

    assert client.get("/ben/intro-call/").status_code == 404
    assert client.get("/coach/panel-review/").status_code == 404


def test_a_cancelled_team_booking_offers_to_book_again_on_the_team_page_not_the_members(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/intro-call/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    booking = Booking.objects.get(client_email="ana@example.com")
    client.post(f"/bookings/{booking.token}/cancel/", {"reason": ""})

    html = client.get(f"/bookings/{booking.token}/").content.decode()

    assert 'href="/team/acme/intro-call/"' in html and "Book Intro call again" in html
    assert f'href="/{booking.owner.slug}/"' not in html


def test_a_cancelled_booking_of_a_team_type_since_switched_off_points_at_the_team_page(client, world):
    from teams.services import team_meeting_type_set_state

    team, owner, ben, rr, co = world
    client.post("/team/acme/panel-review/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    lead = Booking.objects.get(client_email="ana@example.com", lead__isnull=True)
    client.post(f"/bookings/{lead.token}/cancel/", {"reason": ""})
    team_meeting_type_set_state(team_meeting_type=co, by=owner, state="disabled")

    html = client.get(f"/bookings/{lead.token}/").content.decode()

    assert 'href="/team/acme/"' in html and "See what you can book with Acme Coaching" in html
    assert f'href="/{lead.owner.slug}/"' not in html


def test_a_cancelled_booking_of_a_member_no_longer_hosting_still_points_at_the_team_page(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/intro-call/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    booking = Booking.objects.get(client_email="ana@example.com")
    client.post(f"/bookings/{booking.token}/cancel/", {"reason": ""})
    services.team_meeting_type_save(  # the admin unticks the member who had it
        team=team, by=owner, team_meeting_type=rr, now=NOW,
        fields={name: getattr(rr, name) for name in services.EDITABLE_FIELDS},
        memberships=list(team.memberships.exclude(user_id=booking.owner_id)))

    html = client.get(f"/bookings/{booking.token}/").content.decode()

    assert 'href="/team/acme/intro-call/"' in html and "Book Intro call again" in html
    assert f'href="/{booking.owner.slug}/"' not in html


def test_a_cancelled_booking_of_a_deleted_team_type_points_at_the_team_page(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/intro-call/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    booking = Booking.objects.get(client_email="ana@example.com")
    client.post(f"/bookings/{booking.token}/cancel/", {"reason": ""})
    services.team_meeting_type_set_state(team_meeting_type=rr, by=owner, state="deleted")

    html = client.get(f"/bookings/{booking.token}/").content.decode()

    assert 'href="/team/acme/"' in html and "See what you can book with Acme Coaching" in html
    assert f'href="/{booking.owner.slug}/"' not in html


def test_moving_a_round_robin_booking_offers_only_its_members_free_times(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/intro-call/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    booking = Booking.objects.get(client_email="ana@example.com")
    hosts_busy = NINE_AM + timedelta(hours=3)  # the other member is free then
    booking_create(meeting_type=make_meeting_type(booking.owner, slug="own"), start=hosts_busy, client_name="P",
                   client_email="p@example.com")

    picker = client.get(f"/bookings/{booking.token}/reschedule/?date=2026-12-07&tz=America/New_York").content.decode()

    assert format_slot_start(hosts_busy).replace(":", "%3A") not in picker
    assert format_slot_start(hosts_busy + timedelta(hours=1)).replace(":", "%3A") in picker
    host = booking.owner_id
    client.post(f"/bookings/{booking.token}/reschedule/", {"start": format_slot_start(hosts_busy + timedelta(hours=1))})
    booking.refresh_from_db()
    assert booking.start == hosts_busy + timedelta(hours=1) and booking.owner_id == host


def test_a_hosts_page_of_a_collective_booking_names_the_other_hosts_and_says_changes_reach_them(client, world):
    team, owner, ben, rr, co = world
    client.post("/team/acme/panel-review/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    client.post("/team/acme/intro-call/", {
        "start": format_slot_start(NINE_AM + timedelta(hours=2)), "client_name": "Bo", "client_email": "bo@example.com"})
    pages = {}
    for user, other in ((owner, ben), (ben, owner)):
        client.force_login(user)
        row = Booking.objects.get(client_email="ana@example.com", owner=user)
        pages[user.pk] = (client.get(f"/dashboard/bookings/{row.pk}/").content.decode(), other)
    round_robin = Booking.objects.get(client_email="bo@example.com")
    client.force_login(round_robin.owner)
    alone = client.get(f"/dashboard/bookings/{round_robin.pk}/").content.decode()

    for html, other in pages.values():
        assert f"<dt>With</dt><dd>{other.display_name}" in html
        assert "moving or cancelling it here does so for every host" in html
    assert "<dt>With</dt>" not in alone


def test_a_round_robin_booking_whose_host_left_is_not_offered_a_move_and_can_still_be_cancelled(client, world):
    team, owner, ben, rr, co = world
    make_team_meeting_type(team, name="Bens call", slug="bens-call", users=[ben], now=NOW)
    client.post("/team/acme/bens-call/", {
        "start": format_slot_start(NINE_AM), "client_name": "Ana", "client_email": "ana@example.com"})
    booking = Booking.objects.get(client_email="ana@example.com", owner=ben)
    services.membership_leave(membership=team.memberships.get(user=ben))

    page = client.get(f"/bookings/{booking.token}/").content.decode()
    picker = client.get(f"/bookings/{booking.token}/reschedule/", follow=True).content.decode()

    # A move would be refused (the host's copy is no longer bookable): the page says so up front
    # rather than offering times that fail once the client has confirmed one.
    assert "This meeting type can no longer be scheduled." in page
    assert f"/bookings/{booking.token}/reschedule/" not in page
    assert "This meeting type can no longer be scheduled." in picker and "picker-times" not in picker
    client.post(f"/bookings/{booking.token}/cancel/", {"reason": ""})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
