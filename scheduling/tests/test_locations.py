"""Where we meet (issue 27, item 4): a new video room for each booking, a map link for an address,
who calls whom for a phone call, and the one place shown on the booking page, the owner's booking
page, the emails, the .ics, the order page and the SMS reminders."""
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from notifications import sms
from notifications.tasks import dispatch_due_reminders
from orders.models import OrderStatus
from orders.services import order_session_book
from orders.session_sets import SessionChoice, order_sessions_book
from scheduling.calendar import booking_location
from scheduling.models import Booking, BookingStatus, MeetingType
from scheduling.services import booking_cancel, booking_create, booking_reschedule
from teams.models import TeamMeetingKind
from teams.services import team_booking_create
from tests import (
    NINE_AM,
    NOW,
    WEEKDAYS_9_TO_5,
    make_booking,
    make_meeting_type,
    make_member,
    make_order,
    make_team,
    make_team_meeting_type,
    set_weekly_hours,
)

pytestmark = pytest.mark.django_db

ROOM = re.compile(r"https://meet\.jit\.si/Leadmonk-[A-Za-z0-9_-]{43}")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def open_owner(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return owner


def meeting(owner, **location) -> MeetingType:
    return make_meeting_type(owner, name="Coaching", slug="coaching", sms_reminders_enabled=True,
                             sms_reminder_offsets=[60], **location)


def book(meeting_type, start=NINE_AM, **client) -> Booking:
    client = {"client_name": "Dana Client", "client_email": "dana@example.com", "client_phone": "+15551230001",
              **client}
    return booking_create(meeting_type=meeting_type, start=start, now=NOW, **client)


def client_email(prefix: str):
    return next(m for m in mail.outbox if m.to == ["dana@example.com"] and m.subject.startswith(prefix))


def ics_location(email) -> str:
    [(_name, content, _mimetype)] = email.attachments
    [event] = Calendar.from_ical(content).walk("VEVENT")
    return str(event["LOCATION"])


# --- A new video room for each booking ----------------------------------------------------------


def test_each_booking_gets_its_own_unguessable_room_and_keeps_it_when_moved(open_owner, clock):
    video_room = meeting(open_owner, location_kind="video_room")

    first, second = book(video_room), book(video_room, NINE_AM + timedelta(hours=1), client_email="eve@example.com")

    assert ROOM.fullmatch(first.video_room_url) and ROOM.fullmatch(second.video_room_url)
    assert first.video_room_url != second.video_room_url
    moved = booking_reschedule(booking=first, new_start=NINE_AM + timedelta(hours=3), now=NOW)
    moved.refresh_from_db()
    assert moved.video_room_url == first.video_room_url


def test_the_room_comes_from_the_configured_jitsi_server(open_owner, clock, settings):
    settings.JITSI_BASE_URL = "https://jitsi.example.org"

    booking = book(meeting(open_owner, location_kind="video_room"))

    assert booking.video_room_url.startswith("https://jitsi.example.org/Leadmonk-")


def test_everyone_in_a_group_session_joins_one_room_and_a_move_joins_the_room_of_the_new_session(open_owner, clock):
    """A new video room per booking is one room per session of a group: its clients meet there
    with the host, not each alone in a room of their own."""
    workshop = meeting(open_owner, location_kind="video_room", kind="group", capacity=3)
    first = book(workshop)
    second = book(workshop, client_email="eve@example.com")
    later = book(workshop, NINE_AM + timedelta(days=1), client_email="finn@example.com")

    assert ROOM.fullmatch(first.video_room_url) and second.video_room_url == first.video_room_url
    assert later.video_room_url != first.video_room_url

    moved = booking_reschedule(booking=second, new_start=NINE_AM + timedelta(days=1), now=NOW)
    moved.refresh_from_db()
    assert moved.video_room_url == later.video_room_url


def test_other_locations_get_no_room(open_owner, clock):
    booking = book(meeting(open_owner, location_kind="video", location_details="https://meet.example.com/casey"))

    assert booking.video_room_url == ""


def test_the_room_is_in_the_confirmation_the_ics_the_booking_page_and_the_sms(
        open_owner, clock, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(meeting(open_owner, location_kind="video_room"))
    room = booking.video_room_url

    email = client_email("Confirmed:")
    assert f"Where: Video room: {room}" in email.body
    assert f'<a href="{room}">Join the video room</a>' in email.alternatives[0][0]
    assert ics_location(email) == f"Video room: {room}"
    page = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
    assert f'<a href="{room}" target="_blank" rel="noopener noreferrer">Join the video room</a>' in page
    clock.move_to(NINE_AM - timedelta(minutes=59))
    dispatch_due_reminders.delay()
    [text] = sms.outbox
    assert f"Video room: {room}." in text.body


def test_a_cancelled_booking_says_its_room_is_cancelled(open_owner, clock, client, django_capture_on_commit_callbacks):
    booking = book(meeting(open_owner, location_kind="video_room"))
    room = booking.video_room_url
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, now=NOW)

    email = client_email("Cancelled:")
    assert "Where: Video room: cancelled" in email.body and room not in email.body
    assert ics_location(email) == "Video room: cancelled"
    page = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
    assert "Video room: cancelled" in page and room not in page


# --- In person: a map link ----------------------------------------------------------------------


def test_an_address_gets_a_map_link_on_the_page_and_in_the_email(open_owner, clock, client,
                                                                 django_capture_on_commit_callbacks):
    in_person = meeting(open_owner, location_kind="in_person", location_details="10 Rue <de> Rivoli & Co, Paris")
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(in_person)
    map_link = "https://www.openstreetmap.org/search?query=10+Rue+%3Cde%3E+Rivoli+%26+Co%2C+Paris"

    page = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()
    assert "In person: 10 Rue &lt;de&gt; Rivoli &amp; Co, Paris" in page
    assert f'<a href="{map_link}" target="_blank" rel="noopener noreferrer">Map</a>' in page
    email = client_email("Confirmed:")
    assert "Where: In person: 10 Rue <de> Rivoli & Co, Paris" in email.body
    assert f'<a href="{map_link}">Map</a>' in email.alternatives[0][0]
    # A calendar's LOCATION is the address itself.
    assert ics_location(email) == "In person: 10 Rue <de> Rivoli & Co, Paris"


# --- Phone: who calls whom ----------------------------------------------------------------------


def test_when_the_host_calls_the_place_says_who_calls_which_number(open_owner, clock,
                                                                   django_capture_on_commit_callbacks):
    host_calls = meeting(open_owner, location_kind="phone", phone_caller="host")
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(host_calls)

    where = "Phone call: Casey Coach calls Dana Client on +15551230001"
    assert booking_location(booking) == where
    assert f"Where: {where}" in client_email("Confirmed:").body
    assert ics_location(client_email("Confirmed:")) == where


def test_when_the_client_calls_the_place_gives_the_hosts_number(open_owner, clock):
    client_calls = meeting(open_owner, location_kind="phone", phone_caller="client", location_details="+442071838750")

    assert booking_location(book(client_calls)) == "Phone call: Dana Client calls Casey Coach on +442071838750"


def test_a_phone_type_made_before_the_choice_shows_what_it_always_showed(open_owner, clock):
    as_before = meeting(open_owner, location_kind="phone", location_details="I'll ring you on Skype")

    assert booking_location(book(as_before)) == "Phone call: I'll ring you on Skype"


def booking_page_details(**overrides) -> dict:
    return {"client_name": "Cleo Client", "client_email": "cleo@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": "2026-12-07T14:00:00Z", **overrides}


@pytest.mark.parametrize(("phone", "zone", "message"), [
    ("", "America/New_York", "Please enter your mobile number: this meeting needs one."),
    ("12345", "America/New_York", "Enter a valid mobile number, e.g. +1 415 555 0100."),  # a US number, too short
    ("415 555 0100", "UTC", "Enter the number with its country code, e.g. +1 415 555 0100"),  # no country
    ("+1 555", "America/New_York", "Enter a valid mobile number, e.g. +1 415 555 0100."),
])
def test_when_the_host_calls_the_booking_form_requires_the_clients_number(open_owner, clock, client, phone, zone,
                                                                          message):
    host_calls = meeting(open_owner, location_kind="phone", phone_caller="host")

    response = client.post(reverse("public:book_meeting", args=["coach", host_calls.slug]),
                           booking_page_details(client_phone=phone, client_timezone=zone))

    assert response.status_code == 200
    assert message in response.context["form"].errors["client_phone"]
    assert not Booking.objects.exists()


def test_a_number_written_as_at_home_is_read_for_the_visitors_country(open_owner, clock, client):
    # Issue 29, item 4: "312 555 0199" typed in a Chicago browser is +1 312 555 0199.
    host_calls = meeting(open_owner, location_kind="phone", phone_caller="host")

    client.post(reverse("public:book_meeting", args=["coach", host_calls.slug]),
                booking_page_details(client_phone="312 555 0199", client_timezone="America/Chicago"))

    assert Booking.objects.get().client_phone == "+13125550199"


def test_when_the_client_calls_their_number_stays_optional(open_owner, clock, client):
    client_calls = meeting(open_owner, location_kind="phone", phone_caller="client", location_details="+442071838750")

    response = client.post(reverse("public:book_meeting", args=["coach", client_calls.slug]), booking_page_details())

    assert response.status_code == 302
    assert Booking.objects.get().client_phone == ""


# --- The meeting type form ----------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "name": "Intro call", "slug": "", "kind": "one_on_one", "capacity": "", "duration_minutes": "45",
        "location_kind": "video", "location_details": "", "phone_caller": "", "description": "",
        "buffer_before_minutes": "0", "buffer_after_minutes": "0", "min_notice": "4h", "horizon_days": "60",
        "slot_step_minutes": "15", "email_reminders_enabled": "on", "email_offsets_common": ["1440"],
        "email_offsets_other": "", "sms_offsets_common": ["60"], "sms_offsets_other": "",
    }
    data.update(overrides)
    return data


def test_the_form_offers_a_new_video_room_and_stores_no_link_for_it(owner, owner_client):
    page = owner_client.get(reverse("dashboard:meeting_type_new")).content.decode()
    assert '<option value="video_room">A new video room for each booking</option>' in page
    assert '<label for="id_phone_caller">Who calls whom</label>' in page

    response = owner_client.post(reverse("dashboard:meeting_type_new"), form_data(
        location_kind="video_room", location_details="https://old.example.com/link", phone_caller="host"))

    assert response.status_code == 302
    saved = MeetingType.objects.get()
    assert (saved.location_kind, saved.location_details, saved.phone_caller) == ("video_room", "", "")


def test_the_client_calls_a_number_stored_with_its_country_code(owner, owner_client):
    owner_client.post(reverse("dashboard:meeting_type_new"), form_data(
        location_kind="phone", phone_caller="client", location_details="+44 20 7183 8750"))

    saved = MeetingType.objects.get()
    assert (saved.phone_caller, saved.location_details) == ("client", "+442071838750")


@pytest.mark.parametrize(("details", "phone_caller", "field", "message"), [
    ("", "client", "location_details", "Add the number clients call, e.g. +1 415 555 0100."),
    ("call me", "client", "location_details",
     "Enter the number clients call with its country code, e.g. +1 415 555 0100."),
    ("", "nobody", "phone_caller", "Choose who calls from the list."),
])
def test_bad_phone_settings_get_a_message_next_to_the_field_and_save_nothing(
        owner, owner_client, details, phone_caller, field, message):
    response = owner_client.post(reverse("dashboard:meeting_type_new"), form_data(
        location_kind="phone", phone_caller=phone_caller, location_details=details))

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not MeetingType.objects.exists()


def test_bookings_made_before_the_owner_switched_to_a_video_room_get_a_room_of_their_own(
        open_owner, owner_client, clock, client):
    """The fixed link the client was given is gone from every page and message once the meeting
    type meets in a new room per booking: the sessions already booked need a room as well."""
    meeting_type = meeting(open_owner, location_kind="video", location_details="https://meet.example.com/casey")
    upcoming = book(meeting_type)
    other = book(meeting_type, NINE_AM + timedelta(hours=1), client_email="eve@example.com")
    owner_client.force_login(open_owner)  # a session of the suite's clock has expired at NOW

    response = owner_client.post(reverse("dashboard:meeting_type_edit", args=[meeting_type.pk]), form_data(
        name="Coaching", slug="coaching", location_kind="video_room"))

    assert response.status_code == 302
    upcoming.refresh_from_db()
    other.refresh_from_db()
    assert ROOM.fullmatch(upcoming.video_room_url) and ROOM.fullmatch(other.video_room_url)
    assert upcoming.video_room_url != other.video_room_url
    page = client.get(reverse("bookings:manage", args=[upcoming.token])).content.decode()
    assert f'<a href="{upcoming.video_room_url}" target="_blank" rel="noopener noreferrer">Join the video room</a>' in page
    assert booking_location(upcoming) == f"Video room: {upcoming.video_room_url}"


def test_a_session_held_while_the_client_pays_shows_the_owner_its_room_not_cancelled(open_owner, owner_client, clock):
    video_room = meeting(open_owner, location_kind="video_room")
    held = make_booking(video_room, NINE_AM, status=BookingStatus.HELD, hold_expires_at=NOW + timedelta(minutes=15),
                        video_room_url="https://meet.jit.si/Leadmonk-held")
    owner_client.force_login(open_owner)  # a session of the suite's clock has expired at NOW

    page = owner_client.get(reverse("dashboard:booking_detail", args=[held.pk])).content.decode()

    assert "Awaiting payment" in page and "Video room: cancelled" not in page
    assert booking_location(held) == "Video room: https://meet.jit.si/Leadmonk-held"


# --- The order page -----------------------------------------------------------------------------


def test_the_order_page_shows_where_each_booked_session_meets(open_owner, clock, client):
    video_room = meeting(open_owner, location_kind="video_room")
    order = make_order(open_owner, video_room, sessions=2, with_items=True, status=OrderStatus.ACTIVE,
                       client_phone="+15551230001")
    item = order.items.select_related("order").get()
    booking = order_session_book(item=item, start=NINE_AM)

    page = client.get(reverse("order_details:detail", args=[order.token])).content.decode()

    assert ROOM.fullmatch(booking.video_room_url)
    assert f'Video room · <a href="{booking.video_room_url}"' in page


def test_sessions_booked_in_one_go_each_say_where_they_meet_in_the_email(
        open_owner, clock, django_capture_on_commit_callbacks):
    """The set's email is the only confirmation its sessions get: each says where it meets, as
    the confirmation of a single session does."""
    video_room = meeting(open_owner, location_kind="video_room")
    order = make_order(open_owner, video_room, sessions=2, with_items=True, status=OrderStatus.ACTIVE,
                       client_phone="+15551230001")
    item = order.items.select_related("order").get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first, second = order_sessions_book(order=order, choices=[
            SessionChoice(item, NINE_AM), SessionChoice(item, NINE_AM + timedelta(days=1))], now=NOW)

    (email,) = [message for message in mail.outbox if message.to == [order.client_email]]
    html = email.alternatives[0][0]
    for booking in (first, second):
        assert f"Where: Video room: {booking.video_room_url}" in email.body
        assert f'<a href="{booking.video_room_url}">Join the video room</a>' in html


# --- Team meeting types -------------------------------------------------------------------------


def test_every_host_of_a_collective_meeting_joins_the_same_room(owner, clock):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    team = make_team(owner, members=[make_member(email="sam@example.com", slug="sam")])
    collective = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, location_kind="video_room", now=NOW)

    lead = team_booking_create(team_meeting_type=collective, start=NINE_AM, client_name="Dana Client",
                               client_email="dana@example.com", now=NOW)

    rooms = set(Booking.objects.values_list("video_room_url", flat=True))
    assert Booking.objects.count() == 2 and rooms == {lead.video_room_url}
    assert ROOM.fullmatch(lead.video_room_url)


def test_a_host_calls_session_without_a_number_says_none_was_given(owner):
    host_calls = meeting(owner, location_kind="phone", phone_caller="host")

    booking = make_booking(host_calls, NINE_AM, client_phone="")

    assert booking_location(booking) == "Phone call: Casey Coach calls Cleo Client (no number given)"
