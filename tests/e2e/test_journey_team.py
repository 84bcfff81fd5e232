"""A client books a team meeting in a browser: the team page (no packages on it, while a member's
personal page still sells theirs), a round-robin time from the month picker on a phone, the
details and the confirmation; then the member who got it sees it on their dashboard."""
import re

import pytest
from playwright.sync_api import expect

from scheduling.models import Booking
from teams.models import Role
from tests import make_meeting_type, make_member, make_package, make_team, make_team_meeting_type
from tests.e2e.helpers import axe_at_both_widths, check_page, log_in_as, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "jt-team"


def test_a_client_books_a_round_robin_meeting_on_the_team_page(phone_page, new_page, server):
    casey = make_member(email="casey@example.com", slug="casey", display_name="Casey Coach", plan="team")
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben Baker", plan="team")
    make_package(ben, items=[(make_meeting_type(ben, name="Ben 1:1", slug="ben-1-1"), 2)], name="Ben Pack",
                 slug="ben-pack")
    team = make_team(casey, members=[ben], slug="acme", name="Acme Coaching")
    assert team.memberships.get(user=ben).role == Role.MEMBER
    make_team_meeting_type(team, name="Intro call", slug="intro-call", min_notice_minutes=60)
    page = phone_page

    page.goto(f"{server}/team/acme/")
    check_page(page, J, "01-team-page", h1="Acme Coaching")
    expect(page.get_by_text("Ben Pack")).to_have_count(0)
    expect(page.get_by_role("heading", name="Packages")).to_have_count(0)
    axe_at_both_widths(page, "the team page")

    page.get_by_role("link", name=re.compile("Intro call")).click()
    page.wait_for_url(re.compile(r"/team/acme/intro-call/"))
    check_page(page, J, "02-picker", h1="Intro call")
    pick_time(page)
    page.wait_for_url(re.compile(r"start="))
    check_page(page, J, "03-details", h1="Intro call")
    page.get_by_label("Your name").fill("Robin Client")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/bookings/[^/]+/\?booked=1$"))
    expect(page.get_by_text("Booking confirmed")).to_be_visible()
    check_page(page, J, "04-booked")

    booking = Booking.objects.get(client_email="robin@example.com")
    host = booking.owner
    assert host in (casey, ben)
    member_page = new_page()
    log_in_as(member_page, server, host)
    member_page.goto(f"{server}/dashboard/")
    expect(member_page.get_by_text("Robin Client").first).to_be_visible()
    check_page(member_page, J, "05-host-dashboard")

    page.goto(f"{server}/ben/")
    expect(page.get_by_text("Ben Pack")).to_be_visible()
