"""Team bookings stay exact under concurrent requests (PostgreSQL, real threads): a round-robin
burst never double-books a member and spreads over the members; a collective time is booked once;
requests that lock overlapping sets of members never deadlock (owner locks in id order); and
invitations sent at once never pass the plan's seats (the team row's lock)."""
from datetime import timedelta

import pytest

from scheduling.models import Booking, BookingStatus
from scheduling.services import BookingError, booking_create
from teams import services
from teams.models import TeamMeetingKind
from tests import NINE_AM, NOW, make_meeting_type, make_member, make_team, make_team_meeting_type, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def three_members():
    users = [make_member(email=f"m{i}@example.com", slug=f"m{i}", plan="team") for i in range(3)]
    team = make_team(users[0], members=users[1:])
    return team, users


def book(team_meeting_type, start, name):
    return services.team_booking_create(team_meeting_type=team_meeting_type, start=start, client_name=name,
                                        client_email=f"{name.lower()}@example.com", now=NOW)


def test_a_round_robin_burst_on_one_time_books_each_member_once_and_no_more(three_members):
    team, users = three_members
    rr = make_team_meeting_type(team, now=NOW)

    booked, refusals = race(12, lambda i: book(rr, NINE_AM, f"C{i}"), BookingError)

    rows = Booking.objects.filter(status=BookingStatus.CONFIRMED, start=NINE_AM)
    assert booked == 3 and len(refusals) == 9
    assert sorted(rows.values_list("owner_id", flat=True)) == sorted(user.pk for user in users)


def test_a_round_robin_burst_over_several_times_spreads_over_the_members(three_members):
    team, users = three_members
    rr = make_team_meeting_type(team, now=NOW)
    times = [NINE_AM + timedelta(minutes=30 * i) for i in range(4)]

    booked, _ = race(24, lambda i: book(rr, times[i % 4], f"C{i}"), BookingError)

    rows = list(Booking.objects.filter(status=BookingStatus.CONFIRMED).values_list("owner_id", "start"))
    assert booked == 12  # 4 times x 3 members: every member at every time, once
    assert len(set(rows)) == len(rows)  # no member twice at one time
    per_member = {user.pk: sum(1 for owner_id, _ in rows if owner_id == user.pk) for user in users}
    assert set(per_member.values()) == {4}


def test_a_collective_time_is_booked_once(three_members):
    team, users = three_members
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, now=NOW)

    booked, refusals = race(10, lambda i: book(co, NINE_AM, f"C{i}"), BookingError)

    assert booked == 1 and len(refusals) == 9
    rows = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    assert sorted(rows.values_list("owner_id", flat=True)) == sorted(user.pk for user in users)
    assert rows.filter(lead__isnull=True).count() == 1


def test_collective_round_robin_and_personal_bookings_racing_for_the_same_members_never_deadlock(three_members):
    """Collective (all three), round robin of members 2 and 1 (given in reverse order) and each
    member's personal meeting, all at 9:00 at once: every request finishes (a deadlock would raise
    an error, not a refusal) and no member is booked twice."""
    team, users = three_members
    co = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, slug="co", now=NOW)
    rr = make_team_meeting_type(team, users=[users[2], users[1]], slug="rr", now=NOW)
    personal = [make_meeting_type(user) for user in users]

    def attempt(i: int):
        if i % 3 == 0:
            return book(co, NINE_AM, f"Co{i}")
        if i % 3 == 1:
            return book(rr, NINE_AM, f"Rr{i}")
        return booking_create(meeting_type=personal[i % len(users)], start=NINE_AM, client_name=f"P{i}",
                              client_email=f"p{i}@example.com", now=NOW)

    race(18, attempt, BookingError)

    owners = list(Booking.objects.filter(status=BookingStatus.CONFIRMED).values_list("owner_id", flat=True))
    assert len(owners) == len(set(owners))
    assert set(owners) <= {user.pk for user in users}


def test_invitations_sent_at_once_never_pass_the_seats_of_the_plan(three_members, settings):
    team, users = three_members
    settings.TEAM_SEATS = {"team": 5, "enterprise": 50}  # three members: two seats left

    sent, refusals = race(8, lambda i: services.invitation_create(team=team, by=users[0], email=f"new{i}@example.com"),
                          services.TeamError)

    assert sent == 2 and len(refusals) == 6
    assert all("plan has 5 seats" in message for message in refusals)
    assert team.invitations.count() == 2


def test_two_removals_of_one_member_at_once_remove_them_once_and_answer_both(three_members):
    """A double click on "Remove" (or two admins at once): the second found the member gone behind
    the team's lock and answered with a server error."""
    team, users = three_members
    member = team.memberships.get(user=users[2])

    removed, refusals = race(6, lambda i: services.membership_remove(membership=member, by=users[0]),
                             services.TeamError)

    assert removed == 1 and len(refusals) == 5
    assert set(refusals) == {services.NoLongerMember.message}
    assert not team.memberships.filter(user=users[2]).exists()
