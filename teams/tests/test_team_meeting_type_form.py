"""One meeting type, personal or team: the team form is the personal form's settings (the same
labels, inputs, checks and messages, scheduling.forms.MeetingTypeSettingsForm) plus its kind and
hosts; a refused save answers as the personal one does; every shared setting
(scheduling.models.MeetingTypeSettings) reaches every host's copy."""
import re

import pytest
import time_machine
from django.db import models
from django.forms.models import model_to_dict

from leadmonk.content_version import cached_fragment
from scheduling.forms import MeetingTypeForm, MeetingTypeSettingsForm
from scheduling.models import EDITABLE_SETTINGS, MEETING_TYPE_SETTINGS, MeetingType, MeetingTypeSettings
from teams import services
from teams.forms import TeamMeetingTypeForm
from teams.models import TeamMeetingType
from tests import (
    NOW,
    WEEKDAYS_9_TO_5,
    make_meeting_type,
    make_member,
    make_team,
    make_team_meeting_type,
    set_weekly_hours,
)

SHARED_FIELDS = [*MeetingTypeSettingsForm.setting_names(), *MeetingTypeSettingsForm.REMINDER_FIELDS]


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
        "duration_minutes": "30", "location_kind": "video", "location_details": "", "description": "",
        "buffer_before_minutes": "0", "buffer_after_minutes": "0", "min_notice": "0", "horizon_days": "30",
        "slot_step_minutes": "30", "email_reminders_enabled": "on", "email_offsets_common": ["1440"],
        "sms_reminders_enabled": "on", "sms_offsets_common": ["60"],
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def rendered(html: str, name: str) -> dict:
    """What a person sees of the field `name`: its label, its inputs and its help."""
    label = re.search(rf'<label for="id_{name}(?:_0)?">(.*?)</label>|<legend>(.*?)</legend>\s*<div id="id_{name}"',
                      html)
    inputs = re.findall(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', html)
    help_text = re.search(rf'<p class="help" id="id_{name}_helptext">(.*?)</p>', html)
    return {"label": label and (label.group(1) or label.group(2)), "inputs": inputs,
            "help": help_text and help_text.group(1)}


def host_copies(team_meeting_type) -> list[dict]:
    return [{name: getattr(copy, name) for name in MEETING_TYPE_SETTINGS}
            for copy in services.host_meeting_types(team_meeting_type)]


def settings_of(team_meeting_type) -> dict:
    return {name: getattr(team_meeting_type, name) for name in MEETING_TYPE_SETTINGS}


# --- One form ------------------------------------------------------------------------------------

def test_the_team_and_personal_forms_show_every_shared_setting_alike(owner_client, team):
    personal = owner_client.get("/dashboard/meeting-types/new/").content.decode()
    team_form = owner_client.get(new_url(team)).content.decode()

    for name in SHARED_FIELDS:
        mine, ours = rendered(personal, name), rendered(team_form, name)
        assert mine["label"] and mine["inputs"], name
        if name == "slug":  # the same words; only the address in front differs
            assert mine["inputs"] == ours["inputs"] and mine["label"] == ours["label"] == "Link"
            assert "/coach/<b>link</b>/. Leave blank to make it from the name." in mine["help"]
            assert "/team/acme/<b>link</b>/. Leave blank to make it from the name." in ours["help"]
        elif name == "visibility":  # packages never include team types: no "Package only" there
            assert mine["label"] == ours["label"] == "Who can book"
            assert mine["inputs"][:2] == ours["inputs"] and 'value="package_only"' in mine["inputs"][2]
        else:
            assert mine == ours, name
    # The readings the two forms used to disagree on.
    assert rendered(team_form, "min_notice")["label"] == "Minimum notice"
    assert 'value="4h"' in rendered(team_form, "min_notice")["inputs"][0]
    assert rendered(team_form, "horizon_days")["label"] == "Booking window (days)"
    assert "min_notice_minutes" not in team_form


def test_the_edit_forms_show_a_saved_type_alike(owner, owner_client, team):
    values = {"duration_minutes": 45, "min_notice_minutes": 90, "horizon_days": 14, "slot_step_minutes": 15,
              "buffer_before_minutes": 5, "location_kind": "phone", "location_details": "+1 212 555 0100",
              "description": "Hello", "requires_mobile": True, "email_reminder_offsets": [1440, 180]}
    personal = make_meeting_type(owner, name="Intro", slug="intro", **values)
    team_meeting_type = make_team_meeting_type(team, name="Intro", slug="intro", now=NOW, **values)

    mine = owner_client.get(f"/dashboard/meeting-types/{personal.pk}/").content.decode()
    ours = owner_client.get(edit_url(team, team_meeting_type)).content.decode()

    for name in SHARED_FIELDS:
        if name not in ("slug", "visibility"):  # both compared in the test above
            assert rendered(mine, name) == rendered(ours, name), name
    assert 'value="90m"' in rendered(ours, "min_notice")["inputs"][0]


def test_the_shared_form_edits_every_setting_a_meeting_type_stores(owner, team):
    # A setting added to MeetingTypeSettings without a form field fails here.
    data = form_data(team, location_details="https://meet.example.com/x")
    personal = MeetingTypeForm({**data, "kind": "one_on_one"}, owner=owner)
    team_form = TeamMeetingTypeForm(data, team=team)

    assert personal.is_valid() and team_form.is_valid(), (personal.errors, team_form.errors)
    assert set(personal.settings_service_fields()) == set(EDITABLE_SETTINGS)
    assert set(team_form.service_fields()) == {*EDITABLE_SETTINGS, "kind"}
    assert team_form.settings_service_fields() == personal.settings_service_fields()


# --- A refused save ------------------------------------------------------------------------------

REFUSED = [
    ({"min_notice": "31d"}, "min_notice", "Minimum notice must be between 0 and 30 days."),
    ({"min_notice": "240"}, "min_notice", "needs a unit"),
    ({"horizon_days": "0"}, "horizon_days", "Booking window must be between 1 and 365 days."),
    ({"slug": "Bad Slug!"}, "slug", "Use lowercase letters, numbers and single hyphens"),
    ({"name": "  "}, "name", "Give the meeting type a name."),
    ({"location_kind": "in_person", "location_details": ""}, "location_details", "Add the address"),
    ({"location_details": "not a link"}, "location_details", "Enter the full video link"),
    ({"duration_minutes": "721"}, "duration_minutes", "Duration must be between 5 and 720 minutes."),
    ({"kind": "solo"}, "kind", "Choose round robin or collective."),
    ({"members": []}, "members", "Choose at least one member to host this meeting."),
]


def error_next_to(html: str, name: str) -> str:
    found = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', html)
    return found.group(1) if found else ""


@pytest.mark.parametrize(("overrides", "field", "message"), REFUSED)
def test_a_refused_new_team_type_answers_200_with_the_error_next_to_the_field(owner_client, team, overrides,
                                                                              field, message):
    copies = MeetingType.objects.count()

    response = owner_client.post(new_url(team), form_data(team, **overrides))

    html = response.content.decode()
    assert response.status_code == 200
    assert message in error_next_to(html, field)
    assert "Please correct the errors below. Nothing was saved." in html
    assert not TeamMeetingType.objects.exists() and MeetingType.objects.count() == copies


@pytest.mark.parametrize(("overrides", "field", "message"), REFUSED)
def test_a_refused_edit_changes_neither_the_team_type_nor_its_copies(owner_client, team, overrides, field, message):
    team_meeting_type = make_team_meeting_type(team, slug="intro", now=NOW)
    before = (model_to_dict(team_meeting_type), host_copies(team_meeting_type))

    response = owner_client.post(edit_url(team, team_meeting_type), form_data(team, **overrides))

    assert response.status_code == 200
    assert message in error_next_to(response.content.decode(), field)
    team_meeting_type.refresh_from_db()
    assert (model_to_dict(team_meeting_type), host_copies(team_meeting_type)) == before


def test_a_link_taken_by_another_team_type_is_refused_next_to_the_link(owner_client, team):
    make_team_meeting_type(team, slug="intro", now=NOW)

    response = owner_client.post(new_url(team), form_data(team, name="Other", slug="intro"))

    assert response.status_code == 200
    assert "already has a meeting type with that link" in error_next_to(response.content.decode(), "slug")
    assert TeamMeetingType.objects.count() == 1


def test_a_blank_team_link_is_made_from_the_name_as_for_a_personal_type(owner_client, team):
    make_team_meeting_type(team, name="Intro call", slug="intro-call", now=NOW)

    response = owner_client.post(new_url(team), form_data(team, name="Intro call", slug=""))

    assert response.status_code == 302
    made = TeamMeetingType.objects.exclude(slug="intro-call").get()
    assert made.slug == "intro-call-2"
    assert {copy["slug"] for copy in host_copies(made)} == {"intro-call-2"}


# --- Every setting reaches every host's copy ----------------------------------------------------

def _another_value(field: models.Field, current):
    """A valid value of `field` other than `current`, whatever kind of setting it is."""
    if field.choices:
        return next(value for value, _ in field.choices if value != current)
    if isinstance(field, models.BooleanField):
        return not current
    if isinstance(field, models.PositiveIntegerField):
        return current + 7
    if isinstance(field, models.JSONField):
        return [*current, 7]
    if isinstance(field, models.SlugField):
        return f"{current}-changed"
    if isinstance(field, (models.CharField, models.TextField)):
        return f"{current} changed"
    raise AssertionError(f"No test value for {field.name}: teach _another_value its kind.")


def test_each_shared_setting_edited_on_the_team_type_reaches_every_hosts_copy(team, owner):
    team_meeting_type = make_team_meeting_type(team, now=NOW)
    fields = {field.name: field for field in MeetingTypeSettings._meta.fields}

    for name in EDITABLE_SETTINGS:
        value = _another_value(fields[name], getattr(team_meeting_type, name))
        services.team_meeting_type_save(team=team, by=owner, fields={name: value},
                                        memberships=list(team.memberships.all()),
                                        team_meeting_type=team_meeting_type, now=NOW)
        team_meeting_type.refresh_from_db()

        assert getattr(team_meeting_type, name) == value, name
        assert host_copies(team_meeting_type) == [settings_of(team_meeting_type)] * 2, name


def test_the_state_reaches_every_hosts_copy(team, owner):
    team_meeting_type = make_team_meeting_type(team, now=NOW)

    services.team_meeting_type_set_state(team_meeting_type=team_meeting_type, by=owner, state="disabled")

    assert [copy["state"] for copy in host_copies(team_meeting_type)] == ["disabled", "disabled"]


def test_settings_edited_through_the_team_form_reach_every_hosts_copy(owner_client, team):
    team_meeting_type = make_team_meeting_type(team, slug="intro", now=NOW)

    response = owner_client.post(edit_url(team, team_meeting_type), form_data(
        team, name="Deep dive", slug="deep-dive", duration_minutes="60", location_kind="in_person",
        location_details="1 Main St", description="Bring notes", buffer_before_minutes="10",
        buffer_after_minutes="15", min_notice="2d", horizon_days="90", slot_step_minutes="20",
        requires_mobile="on", email_offsets_common=["10080"], sms_reminders_enabled=None, sms_offsets_common=[]))

    assert response.status_code == 302
    team_meeting_type.refresh_from_db()
    assert settings_of(team_meeting_type) == {
        "name": "Deep dive", "slug": "deep-dive", "duration_minutes": 60, "location_kind": "in_person",
        "location_details": "1 Main St", "phone_caller": "", "description": "Bring notes", "buffer_before_minutes": 10,
        "buffer_after_minutes": 15, "min_notice_minutes": 2 * 24 * 60, "horizon_days": 90, "slot_step_minutes": 20,
        "requires_mobile": True, "email_reminders_enabled": True, "email_reminder_offsets": [10080],
        "sms_reminders_enabled": False, "sms_reminder_offsets": [], "state": "active", "visibility": "public",
    }
    assert host_copies(team_meeting_type) == [settings_of(team_meeting_type)] * 2


def test_an_edit_tells_each_hosts_cached_pages_that_their_content_changed(owner_client, team):
    # The copies are written by one update(), which sends no signal: the service itself bumps each
    # host's content version, so nothing cached from a copy's old settings is served again.
    team_meeting_type = make_team_meeting_type(team, slug="intro", now=NOW)
    hosts = sorted(team.memberships.values_list("user_id", flat=True))
    renders = []

    def cached(owner_id):
        return cached_fragment(owner_id=owner_id, name="probe", render=lambda: renders.append(owner_id) or "x")

    for owner_id in hosts:
        cached(owner_id)
        cached(owner_id)  # served from the cache
    owner_client.post(edit_url(team, team_meeting_type), form_data(team, slot_step_minutes="60"))
    for owner_id in hosts:
        cached(owner_id)

    assert renders == hosts + hosts


@pytest.mark.parametrize("member", ["²", "١٢"])
def test_a_host_written_in_other_digits_is_refused_beside_the_field_not_a_server_error(owner_client, team,
                                                                                      member):
    response = owner_client.post(new_url(team), form_data(team, members=[member]))

    assert response.status_code == 200  # as every refused save of the form (the personal one's too)
    assert "members" in response.context["form"].errors
    assert not TeamMeetingType.objects.exists()
