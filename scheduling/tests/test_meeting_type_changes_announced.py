"""A coach's edit of a meeting type is announced to the apps above (scheduling.signals
.meeting_types_changed), with the settings that changed, so calendars can write the events of the
sessions still ahead again; a save that changes nothing says nothing."""
import pytest
import time_machine
from django import forms
from django.urls import reverse

from scheduling.models import LocationKind
from scheduling.setup_services import meeting_type_update
from scheduling.signals import meeting_types_changed
from tests import NOW, make_meeting_type

OLD_LINK = "https://meet.example.com/old-room"


@pytest.fixture
def announced():
    """Every announcement, as (meeting type ids, sorted names of the settings that changed)."""
    heard: list[tuple[list[int], list[str]]] = []

    def listen(*, meeting_type_ids, fields, **_):
        heard.append((list(meeting_type_ids), sorted(fields)))

    meeting_types_changed.connect(listen, dispatch_uid="scheduling.tests.announced")
    yield heard
    meeting_types_changed.disconnect(dispatch_uid="scheduling.tests.announced")


def test_a_coachs_new_place_and_name_are_announced(owner, announced):
    with time_machine.travel(NOW, tick=False):
        meeting_type = make_meeting_type(owner, name="Coaching", location_kind=LocationKind.VIDEO,
                                         location_details=OLD_LINK)
        meeting_type_update(meeting_type=meeting_type, name="Coaching session", location_kind=LocationKind.IN_PERSON,
                            location_details="12 Harbour Street, Boston")

    assert announced == [([meeting_type.pk], ["location_details", "location_kind", "name"])]


def test_a_save_that_changes_nothing_announces_nothing(owner, announced):
    with time_machine.travel(NOW, tick=False):
        meeting_type = make_meeting_type(owner, name="Coaching", location_kind=LocationKind.VIDEO,
                                         location_details=OLD_LINK)
        meeting_type_update(meeting_type=meeting_type, name="Coaching", location_kind=LocationKind.VIDEO,
                            location_details=OLD_LINK)

    assert announced == []


def _admin_form_data(response) -> dict:
    """What the admin's change form posts back as it stands (as the browser would send it)."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()  # as the widget renders it
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
        if field.show_hidden_initial and value is not None:  # a callable default's hidden twin
            data[f"initial-{name}"] = value
    return data


def test_an_edit_in_the_admin_is_announced_too(client, owner, admin_user, announced):
    with time_machine.travel(NOW, tick=False):
        meeting_type = make_meeting_type(owner, name="Coaching", location_kind=LocationKind.VIDEO,
                                         location_details=OLD_LINK)
        client.force_login(admin_user)
        url = reverse("admin:scheduling_meetingtype_change", args=[meeting_type.pk])
        data = _admin_form_data(client.get(url))
        unchanged = client.post(url, data)
        data["location_details"] = "https://meet.example.com/new-room"
        changed = client.post(url, data)

    assert unchanged.status_code == changed.status_code == 302
    assert announced == [([meeting_type.pk], ["location_details"])]
