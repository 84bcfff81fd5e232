"""A team meeting type's hosts' copies are written with update(), which sends no post_save: the
copies an edit changes are announced (scheduling.signals.meeting_types_changed), with the settings
that changed, so calendars can write the hosts' events again; an edit that changes nothing says
nothing."""
import pytest
import time_machine

from scheduling.models import LocationKind, MeetingType
from scheduling.signals import meeting_types_changed
from teams import services
from tests import NOW, WEEKDAYS_9_TO_5, make_member, make_team, make_team_meeting_type, set_weekly_hours

OLD_LINK = "https://meet.example.com/old-room"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def announced():
    """Every announcement, as (sorted meeting type ids, sorted names of the settings that changed)."""
    heard: list[tuple[list[int], list[str]]] = []

    def listen(*, meeting_type_ids, fields, **_):
        heard.append((sorted(meeting_type_ids), sorted(fields)))

    meeting_types_changed.connect(listen, dispatch_uid="teams.tests.announced")
    yield heard
    meeting_types_changed.disconnect(dispatch_uid="teams.tests.announced")


@pytest.fixture
def team_type(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    ben = make_member(email="ben@example.com", slug="ben", display_name="Ben")
    team = make_team(owner, slug="acme", members=[ben])
    return make_team_meeting_type(team, now=NOW, location_kind=LocationKind.VIDEO, location_details=OLD_LINK)


def _copy_ids(team_type) -> list[int]:
    return sorted(MeetingType.objects.filter(team_host__team_meeting_type=team_type).values_list("pk", flat=True))


def _edit_form(team_type, **changes) -> dict:
    """The team editor's form as the page fills it in for `team_type`, with `changes`."""
    data = {
        "name": team_type.name, "slug": team_type.slug, "kind": team_type.kind,
        "members": [membership.pk for membership in team_type.team.memberships.all()],
        "duration_minutes": "30", "location_kind": "video", "location_details": OLD_LINK, "description": "",
        "buffer_before_minutes": "0", "buffer_after_minutes": "0", "min_notice": "0", "horizon_days": "60",
        "slot_step_minutes": "30", "email_reminders_enabled": "on", "email_offsets_common": ["1440"],
        "sms_reminders_enabled": "on", "sms_offsets_common": ["60"],
    }
    return {**data, **changes}


def test_a_new_place_saved_on_the_team_editor_is_announced_for_every_hosts_copy(owner_client, team_type,
                                                                                  announced):
    url = f"/dashboard/teams/{team_type.team_id}/meeting-types/{team_type.pk}/"

    response = owner_client.post(url, _edit_form(team_type, location_kind="in_person",
                                                 location_details="12 Harbour Street, Boston"))

    assert response.status_code == 302
    assert announced == [(_copy_ids(team_type), ["location_details", "location_kind"])]
    assert len(_copy_ids(team_type)) == 2


def test_the_team_editor_saved_as_it_was_announces_nothing(owner_client, team_type, announced):
    url = f"/dashboard/teams/{team_type.team_id}/meeting-types/{team_type.pk}/"
    page = owner_client.get(url).text
    assert OLD_LINK in page  # the form below is what the page shows

    response = owner_client.post(url, _edit_form(team_type))

    assert response.status_code == 302
    assert announced == []


def test_disabling_a_team_type_announces_its_copies_state_only(owner, team_type, announced):
    services.team_meeting_type_set_state(team_meeting_type=team_type, by=owner, state="disabled")
    services.team_meeting_type_set_state(team_meeting_type=team_type, by=owner, state="disabled")

    assert announced == [(_copy_ids(team_type), ["state"])]
