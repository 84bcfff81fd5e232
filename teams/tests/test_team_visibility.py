"""Team meeting types are Public (on the team page) or Secret (booked only through
/team/<team-slug>/s/<token>/, regenerable); never Package only, and a host's copy of a Secret
type is never bookable through the host's personal page."""
import pytest
import time_machine
from django.urls import reverse

from scheduling.models import Booking, Visibility
from scheduling.selectors import format_slot_start
from teams import services
from teams.tests.test_team_meeting_type_form import edit_url, form_data
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_member, make_team, make_team_meeting_type, set_weekly_hours


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben Baker")
    ben.email_verified = True
    ben.save()
    return make_team(owner, members=[ben], slug="acme")


@pytest.fixture
def secret(team):
    return make_team_meeting_type(team, name="Board prep", slug="board-prep", visibility=Visibility.SECRET, now=NOW)


def details() -> dict:
    return {"client_name": "Stranger", "client_email": "stranger@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": format_slot_start(NINE_AM)}


def secret_url(team, team_meeting_type) -> str:
    return reverse("team_public:book_secret", args=[team.slug, team_meeting_type.secret_token])


def test_the_team_page_lists_only_public_types(client, team, secret):
    make_team_meeting_type(team, name="Intro call", slug="intro-call", now=NOW)

    html = client.get("/team/acme/").content.decode()

    assert "Intro call" in html
    assert "Board prep" not in html and "board-prep" not in html


def test_a_secret_team_types_slug_address_books_nothing(client, team, secret):
    get = client.get("/team/acme/board-prep/")
    post = client.post("/team/acme/board-prep/", details())

    assert get.status_code == post.status_code == 404
    assert not Booking.objects.exists()


def test_a_secret_team_type_books_through_its_own_link(client, team, secret):
    url = secret_url(team, secret)

    assert "Board prep" in client.get(url).content.decode()
    response = client.post(url, details())

    booking = Booking.objects.get()
    assert response.status_code == 302 and booking.meeting_type.team_hosted and booking.start == NINE_AM


def test_a_hosts_copy_is_not_bookable_through_the_hosts_personal_page(client, team, secret):
    ben = team.memberships.get(user__slug="ben").user
    copy = secret.hosts.get(membership__user=ben).meeting_type

    by_slug = client.post(f"/ben/{copy.slug}/", details())
    by_token = client.post(f"/ben/s/{copy.secret_token}/", details())
    by_team_token = client.post(f"/ben/s/{secret.secret_token}/", details())

    assert by_slug.status_code == by_token.status_code == by_team_token.status_code == 404
    assert not Booking.objects.exists()


def test_the_team_form_offers_no_package_only_and_refuses_it(owner_client, team, secret):
    html = owner_client.get(edit_url(team, secret)).content.decode()
    assert 'value="secret"' in html and 'value="package_only"' not in html

    response = owner_client.post(edit_url(team, secret), form_data(team, name="Board prep", slug="board-prep",
                                                                  visibility="package_only"))

    secret.refresh_from_db()
    assert response.status_code == 200 and "Choose who can book this meeting type." in response.content.decode()
    assert secret.visibility == Visibility.SECRET


def test_the_team_page_shows_the_secret_link_and_regenerating_it_retires_the_old_one(owner_client, team, secret):
    old_url = secret_url(team, secret)
    assert old_url in owner_client.get(f"/dashboard/teams/{team.pk}/").content.decode()

    response = owner_client.post(reverse("teams:meeting_type_secret_link", args=[team.pk, secret.pk]), follow=True)

    secret.refresh_from_db()
    assert "has a new secret link; the old one no longer works" in response.content.decode()
    assert owner_client.get(old_url).status_code == 404
    assert owner_client.get(secret_url(team, secret)).status_code == 200


def test_a_member_cannot_regenerate_the_secret_link(client, team, secret):
    ben = team.memberships.get(user__slug="ben").user
    client.force_login(ben)
    token = secret.secret_token

    client.post(reverse("teams:meeting_type_secret_link", args=[team.pk, secret.pk]))

    secret.refresh_from_db()
    assert secret.secret_token == token


def test_the_service_refuses_a_package_only_team_type(owner, team):
    with pytest.raises(services.TeamTypeNeverPackageOnly):
        make_team_meeting_type(team, slug="pack", visibility=Visibility.PACKAGE_ONLY, now=NOW)

    assert not team.meeting_types.exists()
