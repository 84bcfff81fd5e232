"""Who can book a meeting type through which path (scheduling.rules, DESIGN.md rule 11): the
table for every visibility and path, and the booking services that obey it under the lock."""
import pytest
import time_machine

from scheduling.models import Booking, Visibility
from scheduling.rules import BOOKED_THROUGH_PACKAGE, NOT_AVAILABLE_HERE, BookingPath, booking_path_refusal
from scheduling.services import MeetingTypeNotOffered, booking_create, booking_create_pooled, booking_reschedule
from tests import (
    NINE_AM,
    NOW,
    TEN_AM,
    WEEKDAYS_9_TO_5,
    make_meeting_type,
    make_team,
    make_team_meeting_type,
    set_weekly_hours,
)

P, S, K = Visibility.PUBLIC, Visibility.SECRET, Visibility.PACKAGE_ONLY
OK = ""

# (visibility, path) -> what the rule answers for an owner's own meeting type.
PERSONAL = {
    (P, BookingPath.PUBLIC_PAGE): OK,
    (S, BookingPath.PUBLIC_PAGE): NOT_AVAILABLE_HERE,
    (K, BookingPath.PUBLIC_PAGE): BOOKED_THROUGH_PACKAGE,
    (P, BookingPath.SECRET_LINK): OK,
    (S, BookingPath.SECRET_LINK): OK,
    (K, BookingPath.SECRET_LINK): BOOKED_THROUGH_PACKAGE,
    (P, BookingPath.ORDER): OK,
    (S, BookingPath.ORDER): OK,
    (K, BookingPath.ORDER): OK,
    (P, BookingPath.RESCHEDULE): OK,
    (S, BookingPath.RESCHEDULE): OK,
    (K, BookingPath.RESCHEDULE): OK,
    # An owner's own type is never booked through a team's page.
    (P, BookingPath.TEAM_PAGE): NOT_AVAILABLE_HERE,
    (S, BookingPath.TEAM_PAGE): NOT_AVAILABLE_HERE,
    (K, BookingPath.TEAM_PAGE): NOT_AVAILABLE_HERE,
    (P, BookingPath.TEAM_SECRET_LINK): NOT_AVAILABLE_HERE,
    (S, BookingPath.TEAM_SECRET_LINK): NOT_AVAILABLE_HERE,
    (K, BookingPath.TEAM_SECRET_LINK): NOT_AVAILABLE_HERE,
}

# The same for a team meeting type and a host's copy of one (Public or Secret only).
TEAM = {
    (P, BookingPath.TEAM_PAGE): OK,
    (S, BookingPath.TEAM_PAGE): NOT_AVAILABLE_HERE,
    (P, BookingPath.TEAM_SECRET_LINK): OK,
    (S, BookingPath.TEAM_SECRET_LINK): OK,
    (P, BookingPath.RESCHEDULE): OK,
    (S, BookingPath.RESCHEDULE): OK,
    # A host's copy is never booked from the host's personal page, its secret link or an order.
    (P, BookingPath.PUBLIC_PAGE): NOT_AVAILABLE_HERE,
    (S, BookingPath.PUBLIC_PAGE): NOT_AVAILABLE_HERE,
    (P, BookingPath.SECRET_LINK): NOT_AVAILABLE_HERE,
    (S, BookingPath.SECRET_LINK): NOT_AVAILABLE_HERE,
    (P, BookingPath.ORDER): NOT_AVAILABLE_HERE,
    (S, BookingPath.ORDER): NOT_AVAILABLE_HERE,
}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_tables_name_every_path_for_every_visibility():
    assert set(PERSONAL) == {(visibility, path) for visibility in Visibility for path in BookingPath}
    assert set(TEAM) == {(visibility, path) for visibility in (P, S) for path in BookingPath}


@pytest.mark.parametrize(("visibility", "path"), list(PERSONAL))
def test_the_rule_for_an_owners_meeting_type(owner, visibility, path):
    meeting_type = make_meeting_type(owner, visibility=visibility)

    assert booking_path_refusal(meeting_type, path=path) == PERSONAL[(visibility, path)]


@pytest.mark.parametrize(("visibility", "path"), list(TEAM))
def test_the_rule_for_a_team_meeting_type_and_its_hosts_copies(owner, visibility, path):
    team = make_team(owner, slug="acme")
    team_meeting_type = make_team_meeting_type(team, visibility=visibility, now=NOW)
    copy = team_meeting_type.hosts.get().meeting_type

    assert booking_path_refusal(team_meeting_type, path=path) == TEAM[(visibility, path)]
    assert booking_path_refusal(copy, path=path) == TEAM[(visibility, path)]
    assert copy.visibility == visibility  # the copy takes its team type's visibility


def _book(meeting_type, **kw):
    return booking_create(meeting_type=meeting_type, start=NINE_AM, client_name="Cleo",
                          client_email="cleo@example.com", now=NOW, **kw)


@pytest.mark.parametrize(("visibility", "message"), [(K, BOOKED_THROUGH_PACKAGE), (S, NOT_AVAILABLE_HERE)])
def test_the_service_refuses_an_unlisted_type_from_the_public_page_and_books_nothing(owner, visibility, message):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, visibility=visibility)

    with pytest.raises(MeetingTypeNotOffered) as refused:
        _book(meeting_type)  # the default path is the strictest: the public page

    assert refused.value.message == message
    assert not Booking.objects.exists()


def test_the_service_books_a_secret_type_through_its_link(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner, visibility=S)

    booking = _book(meeting_type, path=BookingPath.SECRET_LINK)

    assert booking.start == NINE_AM


def test_the_visibility_is_read_again_under_the_lock(owner):
    # The page read a Public type; the owner made it Package only a moment before the POST.
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    type(meeting_type).objects.filter(pk=meeting_type.pk).update(visibility=K)

    with pytest.raises(MeetingTypeNotOffered):
        _book(meeting_type)
    assert not Booking.objects.exists()


def test_only_a_booking_through_an_order_names_an_order_item(owner):
    meeting_type = make_meeting_type(owner, visibility=K)

    with pytest.raises(ValueError, match="order item"):
        _book(meeting_type, path=BookingPath.ORDER)
    with pytest.raises(ValueError, match="order item"):
        _book(meeting_type, order_item_id=1)


def test_a_hosts_copy_is_not_booked_as_a_personal_type(owner):
    team = make_team(owner, slug="acme")
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    copy = make_team_meeting_type(team, visibility=S, now=NOW).hosts.get().meeting_type

    for path in (BookingPath.PUBLIC_PAGE, BookingPath.SECRET_LINK):
        with pytest.raises(MeetingTypeNotOffered):
            _book(copy, path=path)
    with pytest.raises(MeetingTypeNotOffered):
        booking_create_pooled(meeting_types=[copy], every_host=False, start=NINE_AM, client_name="Cleo",
                              client_email="cleo@example.com", now=NOW)  # the team page: Secret is not listed
    booking = booking_create_pooled(meeting_types=[copy], every_host=False, start=NINE_AM, client_name="Cleo",
                                    client_email="cleo@example.com", now=NOW, path=BookingPath.TEAM_SECRET_LINK)
    assert booking.meeting_type == copy


def test_a_booking_made_before_its_type_became_package_only_can_still_be_moved(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    meeting_type = make_meeting_type(owner)
    booking = _book(meeting_type)
    meeting_type.visibility = K
    meeting_type.save()

    moved = booking_reschedule(booking=booking, new_start=TEN_AM, now=NOW)

    assert moved.start == TEN_AM

