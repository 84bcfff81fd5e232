"""Reminders of team meeting types: the team form has the personal form's reminder settings (same
fields, checks and messages), every host's copy takes them on create and edit, and the reminders
of team bookings follow them. An edit moves no reminder already scheduled, as for a personal type."""
from datetime import UTC, datetime

import pytest
import time_machine

from notifications.models import Channel, Reminder
from scheduling.models import Booking, MeetingType
from scheduling.services import booking_create, booking_reschedule
from scheduling.setup_services import meeting_type_update
from teams import services
from teams.models import TeamMeetingKind, TeamMeetingType
from tests import (
    NINE_AM,
    NOW,
    TEN_AM,
    WEEKDAYS_9_TO_5,
    make_meeting_type,
    make_member,
    make_team,
    make_team_meeting_type,
    set_weekly_hours,
)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben")
    set_weekly_hours(ben, WEEKDAYS_9_TO_5)
    return make_team(owner, slug="acme", members=[ben])


def new_url(team) -> str:
    return f"/dashboard/teams/{team.pk}/meeting-types/new/"


def edit_url(team, team_meeting_type) -> str:
    return f"/dashboard/teams/{team.pk}/meeting-types/{team_meeting_type.pk}/"


def form_data(team, **overrides) -> dict:
    data = {
        "name": "Intro", "slug": "intro", "kind": "round_robin", "members": [m.pk for m in team.memberships.all()],
        "duration_minutes": "30", "location_kind": "video", "buffer_before_minutes": "0",
        "buffer_after_minutes": "0", "min_notice": "0", "horizon_days": "30", "slot_step_minutes": "30",
        "email_reminders_enabled": "on", "email_offsets_common": ["1440"], "email_offsets_other": "",
        "sms_reminders_enabled": "on", "sms_offsets_common": ["60"], "sms_offsets_other": "",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def reminder_settings(meeting_type) -> tuple:
    return (meeting_type.email_reminders_enabled, meeting_type.email_reminder_offsets,
            meeting_type.sms_reminders_enabled, meeting_type.sms_reminder_offsets)


def copies_settings(team_meeting_type) -> list[tuple]:
    return [reminder_settings(copy) for copy in services.host_meeting_types(team_meeting_type)]


def reminders_of(booking) -> list[tuple]:
    return sorted((r.channel, r.offset_minutes, r.due_at) for r in Reminder.objects.filter(booking=booking))


# --- The form -----------------------------------------------------------------------------------

def test_the_new_form_offers_the_personal_forms_reminder_settings_with_its_defaults(owner_client, team):
    response = owner_client.get(new_url(team))
    html = response.content.decode()

    assert response.status_code == 200
    for label in ("Reminders", "Send email reminders", "Email reminder times", "Other email reminder times",
                  "Send SMS reminders", "SMS reminder times", "Other SMS reminder times",
                  "Before the session, separated by commas, e.g. 3h, 90m. At most 3 reminders in all.",
                  "SMS reminders go to clients who give a mobile number."):
        assert label in html
    for name in ("email_reminders_enabled", "email_offsets_other", "sms_reminders_enabled", "sms_offsets_other"):
        assert f'<label for="id_{name}">' in html
    form = response.context["form"]
    assert form["email_reminders_enabled"].value() and form["sms_reminders_enabled"].value()
    assert form["email_offsets_common"].value() == [1440] and form["sms_offsets_common"].value() == [60]


def test_typed_and_picked_times_are_saved_on_the_team_type_and_every_hosts_copy(owner_client, team):
    response = owner_client.post(new_url(team), form_data(
        team, email_offsets_common=["1440", "10080"], email_offsets_other="3h",
        sms_offsets_common=[], sms_offsets_other="90m, 1h 15m"))

    assert response.status_code == 302
    team_meeting_type = TeamMeetingType.objects.get()
    wanted = (True, [10080, 1440, 180], True, [90, 75])
    assert reminder_settings(team_meeting_type) == wanted
    assert copies_settings(team_meeting_type) == [wanted, wanted]


def test_reminders_can_be_turned_off_for_every_host(owner_client, team):
    owner_client.post(new_url(team), form_data(team, email_reminders_enabled=None, email_offsets_common=[],
                                               sms_reminders_enabled=None, sms_offsets_common=[]))

    team_meeting_type = TeamMeetingType.objects.get()
    assert copies_settings(team_meeting_type) == [(False, [], False, [])] * 2


INVALID = [
    ({"email_offsets_common": ["1440", "60", "30"], "email_offsets_other": "2h"}, "email_offsets_other",
     "Choose at most 3 email reminders."),
    ({"email_offsets_common": ["1440"], "email_offsets_other": "24h"}, "email_offsets_other", "24 h is listed twice."),
    ({"email_offsets_common": [], "email_offsets_other": "31d"}, "email_offsets_other",
     "Email reminders must be between 1 minute and 30 days before the session."),
    ({"email_offsets_common": [], "email_offsets_other": "tomorrow"}, "email_offsets_other",
     "is not a time we understand"),
    ({"email_offsets_common": ["7"]}, "email_offsets_common", "Choose reminder times from the list."),
    ({"email_offsets_common": [], "email_offsets_other": ""}, "email_offsets_other",
     "Choose at least one time, or turn email reminders off."),
    ({"sms_offsets_common": [], "sms_offsets_other": "5x"}, "sms_offsets_other", "“x” is not a unit we know"),
    ({"sms_offsets_common": ["60", "15", "30"], "sms_offsets_other": "2h"}, "sms_offsets_other",
     "Choose at most 3 SMS reminders."),
    ({"sms_offsets_common": [], "sms_offsets_other": ""}, "sms_offsets_other",
     "Choose at least one time, or turn SMS reminders off."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID)
def test_bad_reminder_times_are_refused_next_to_the_field_and_nothing_is_created(owner_client, team, overrides,
                                                                                   field, message):
    copies = MeetingType.objects.count()

    response = owner_client.post(new_url(team), form_data(team, **overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    html = response.content.decode()
    assert message in html
    assert 'class="field-errors"' in html
    assert "Please correct the errors below. Nothing was saved." in html  # at the top: the field may be far down
    assert not TeamMeetingType.objects.exists() and MeetingType.objects.count() == copies


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID)
def test_bad_reminder_times_on_edit_change_neither_the_team_type_nor_its_copies(owner_client, team, overrides,
                                                                                 field, message):
    team_meeting_type = make_team_meeting_type(team, slug="intro", now=NOW)
    before = copies_settings(team_meeting_type)

    response = owner_client.post(edit_url(team, team_meeting_type), form_data(team, **overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    team_meeting_type.refresh_from_db()
    assert reminder_settings(team_meeting_type) == (True, [1440], True, [60])
    assert copies_settings(team_meeting_type) == before == [(True, [1440], True, [60])] * 2


def test_a_team_type_saved_without_reminder_settings_keeps_24h_email_and_1h_sms(team):
    # What the migration gives the team types made before the setting existed, and what their hosts'
    # copies always had.
    team_meeting_type = make_team_meeting_type(team, now=NOW)

    assert reminder_settings(team_meeting_type) == (True, [1440], True, [60])
    assert copies_settings(team_meeting_type) == [(True, [1440], True, [60])] * 2


def test_the_edit_form_shows_the_saved_times_and_an_edit_reaches_every_hosts_copy(owner_client, team):
    team_meeting_type = make_team_meeting_type(team, slug="intro", email_reminder_offsets=[1440, 180], now=NOW)

    form = owner_client.get(edit_url(team, team_meeting_type)).context["form"]
    assert form["email_offsets_common"].value() == [1440] and form["email_offsets_other"].value() == "3h"
    assert form["sms_offsets_common"].value() == [60] and form["sms_offsets_other"].value() == ""

    response = owner_client.post(edit_url(team, team_meeting_type), form_data(
        team, email_offsets_common=["60"], email_offsets_other="", sms_reminders_enabled=None, sms_offsets_common=[]))

    assert response.status_code == 302
    team_meeting_type.refresh_from_db()
    assert reminder_settings(team_meeting_type) == (True, [60], False, [])
    assert copies_settings(team_meeting_type) == [(True, [60], False, [])] * 2


def test_a_host_added_later_gets_the_types_reminder_settings(team, owner):
    team_meeting_type = make_team_meeting_type(team, users=[owner], sms_reminders_enabled=False, now=NOW)

    services.team_meeting_type_save(team=team, by=owner, fields={}, memberships=list(team.memberships.all()),
                                    team_meeting_type=team_meeting_type, now=NOW)

    assert copies_settings(team_meeting_type) == [(True, [1440], False, [60])] * 2


# --- Reminders of team bookings -------------------------------------------------------------------

def _book(team_meeting_type, start=NINE_AM, phone="+15551230001"):
    return services.team_booking_create(team_meeting_type=team_meeting_type, start=start, client_name="Ana",
                                        client_email="ana@example.com", client_phone=phone, now=NOW)


def test_a_round_robin_booking_gets_exactly_the_reminders_its_team_type_asks_for(team):
    team_meeting_type = make_team_meeting_type(
        team, email_reminder_offsets=[180], sms_reminders_enabled=False, now=NOW)

    booking = _book(team_meeting_type)

    assert booking.meeting_type.team_hosted
    assert reminders_of(booking) == [(Channel.EMAIL, 180, datetime(2026, 12, 7, 11, 0, tzinfo=UTC))]


def test_a_host_on_the_free_plan_texts_the_clients_of_the_teams_bookings(team):
    """Texts are a Pro feature, and a team runs on its owner's Team plan: a host whose own plan is
    Free still sends a team booking's SMS reminders."""
    ben = team.memberships.get(user__email="ben@example.com")
    team_meeting_type = make_team_meeting_type(team, users=[ben.user], sms_reminder_offsets=[30], now=NOW)

    booking = _book(team_meeting_type)

    assert booking.owner == ben.user and ben.user.plan == "free"
    assert (Channel.SMS, 30, datetime(2026, 12, 7, 13, 30, tzinfo=UTC)) in reminders_of(booking)


def test_a_collective_booking_reminds_the_client_once_by_the_team_types_settings(team):
    team_meeting_type = make_team_meeting_type(team, kind=TeamMeetingKind.COLLECTIVE, email_reminder_offsets=[180],
                                               sms_reminder_offsets=[30], now=NOW)

    lead = _book(team_meeting_type)

    assert reminders_of(lead) == [(Channel.EMAIL, 180, datetime(2026, 12, 7, 11, 0, tzinfo=UTC)),
                                  (Channel.SMS, 30, datetime(2026, 12, 7, 13, 30, tzinfo=UTC))]
    others = Booking.objects.filter(lead=lead)
    assert others.count() == 1 and not Reminder.objects.filter(booking__in=others).exists()


def test_editing_the_team_type_moves_no_reminder_already_scheduled_as_for_a_personal_type(team, owner):
    team_meeting_type = make_team_meeting_type(team, email_reminder_offsets=[180], sms_reminders_enabled=False,
                                               now=NOW)
    team_booking = _book(team_meeting_type)
    personal_type = make_meeting_type(owner, slug="personal", min_notice_minutes=0, email_reminder_offsets=[180],
                                      sms_reminders_enabled=False)
    personal_booking = booking_create(meeting_type=personal_type, start=TEN_AM, client_name="Bo",
                                      client_email="bo@example.com", client_phone="+15551230002")
    team_before, personal_before = reminders_of(team_booking), reminders_of(personal_booking)

    services.team_meeting_type_save(team=team, by=owner, memberships=list(team.memberships.all()),
                                    team_meeting_type=team_meeting_type, now=NOW,
                                    fields={"email_reminder_offsets": [60], "sms_reminders_enabled": True})
    meeting_type_update(meeting_type=personal_type, email_reminder_offsets=[60], sms_reminders_enabled=True)

    assert reminders_of(team_booking) == team_before
    assert reminders_of(personal_booking) == personal_before
    # New bookings, and a booking that moves, follow the settings in force, for both alike.
    new_booking = _book(team_meeting_type, start=TEN_AM)
    assert [(r[0], r[1]) for r in reminders_of(new_booking)] == [(Channel.EMAIL, 60), (Channel.SMS, 60)]
    moved = booking_reschedule(booking=Booking.objects.get(pk=team_booking.pk),
                               new_start=datetime(2026, 12, 8, 14, 0, tzinfo=UTC))
    assert [(r[0], r[1]) for r in reminders_of(moved) if r[1] == 60] == [(Channel.EMAIL, 60), (Channel.SMS, 60)]
