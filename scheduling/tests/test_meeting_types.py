"""The Meeting Types dashboard pages: list, create, edit, disable/enable, soft delete."""
import pytest
from django.urls import reverse

from accounts.plans import Plan
from scheduling import setup_services
from scheduling.forms import format_duration, parse_duration
from scheduling.models import MeetingType, MeetingTypeKind, MeetingTypeState
from tests import log_in, make_meeting_type

LIST_URL = reverse("dashboard:meeting_types")
NEW_URL = reverse("dashboard:meeting_type_new")


def valid_data(**overrides) -> dict:
    data = {
        "name": "Intro call",
        "slug": "",
        "kind": "one_on_one",
        "capacity": "",
        "duration_minutes": "45",
        "location_kind": "video",
        "location_details": "https://meet.example.com/casey",
        "description": "Let's get to know each other.",
        "buffer_before_minutes": "5",
        "buffer_after_minutes": "10",
        "min_notice": "4h",
        "horizon_days": "60",
        "slot_step_minutes": "15",
        "email_reminders_enabled": "on",
        "email_offsets_common": ["1440"],
        "email_offsets_other": "",
        "sms_reminders_enabled": "on",
        "sms_offsets_common": ["60"],
        "sms_offsets_other": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_list_shows_empty_state_with_create_button(owner_client):
    response = owner_client.get(LIST_URL)
    assert response.status_code == 200
    assert "No meeting types yet" in response.text
    assert "+ New meeting type" in response.text


def test_new_form_defaults_to_24h_email_and_1h_sms_reminders(owner_client):
    response = owner_client.get(NEW_URL)
    form = response.context["form"]
    assert form["email_offsets_common"].value() == [1440]
    assert form["sms_offsets_common"].value() == [60]
    assert 'value="1440"' in response.text and "checked" in response.text


def test_a_free_owner_is_told_sms_reminders_are_not_sent_on_their_plan(client, free_owner):
    log_in(client, free_owner)
    response = client.get(NEW_URL)
    assert "Not sent on the Free plan: SMS reminders are part of Pro and above." in response.text


def test_a_pro_owner_is_not_told_so(client, owner):
    owner.plan = Plan.PRO
    owner.save()
    log_in(client, owner)
    assert "Not sent on the Free plan" not in client.get(NEW_URL).text


def test_create_one_on_one_appears_in_list_with_public_link(owner, owner_client):
    response = owner_client.post(NEW_URL, valid_data())
    assert response.status_code == 302
    meeting_type = MeetingType.objects.get(owner=owner)
    assert meeting_type.name == "Intro call"
    assert meeting_type.slug == "intro-call"
    assert meeting_type.kind == MeetingTypeKind.ONE_ON_ONE
    assert meeting_type.capacity == 1
    assert meeting_type.duration_minutes == 45
    assert meeting_type.buffer_before_minutes == 5 and meeting_type.buffer_after_minutes == 10
    assert meeting_type.min_notice_minutes == 240
    assert meeting_type.slot_step_minutes == 15
    assert meeting_type.state == MeetingTypeState.ACTIVE
    assert meeting_type.email_reminder_offsets == [1440]
    assert meeting_type.sms_reminder_offsets == [60]
    page = owner_client.get(LIST_URL).text
    assert "Intro call" in page
    assert "/coach/intro-call/" in page
    assert 'data-copy="http://testserver/coach/intro-call/"' in page
    assert "45 min" in page and "1:1" in page


def test_create_group_stores_capacity_and_list_shows_seats(owner, owner_client):
    owner_client.post(NEW_URL, valid_data(name="Workshop", kind="group", capacity="8"))
    meeting_type = MeetingType.objects.get(owner=owner)
    assert meeting_type.kind == MeetingTypeKind.GROUP and meeting_type.capacity == 8
    assert "Group · 8 seats" in owner_client.get(LIST_URL).text


def test_capacity_is_ignored_for_one_on_one(owner, owner_client):
    owner_client.post(NEW_URL, valid_data(capacity="9"))
    assert MeetingType.objects.get(owner=owner).capacity == 1


def test_blank_slug_gets_a_free_one_made_from_the_name(owner, owner_client):
    make_meeting_type(owner, name="Intro call", slug="intro-call")
    owner_client.post(NEW_URL, valid_data())
    assert set(MeetingType.objects.filter(owner=owner).values_list("slug", flat=True)) == {
        "intro-call", "intro-call-2"
    }


def test_typed_and_picked_reminder_offsets_are_stored_in_minutes(owner, owner_client):
    owner_client.post(NEW_URL, valid_data(
        email_offsets_common=["1440", "10080"], email_offsets_other="3h",
        sms_offsets_common=[], sms_offsets_other="90m, 1h 15m",
    ))
    meeting_type = MeetingType.objects.get(owner=owner)
    assert meeting_type.email_reminder_offsets == [10080, 1440, 180]
    assert meeting_type.sms_reminder_offsets == [90, 75]


def test_reminders_can_be_turned_off(owner, owner_client):
    owner_client.post(NEW_URL, valid_data(
        email_reminders_enabled=None, email_offsets_common=[], sms_reminders_enabled=None, sms_offsets_common=[],
    ))
    meeting_type = MeetingType.objects.get(owner=owner)
    assert not meeting_type.email_reminders_enabled and not meeting_type.sms_reminders_enabled


def test_edit_form_shows_saved_values_and_saves_changes(owner, owner_client):
    meeting_type = make_meeting_type(
        owner, name="Old name", slug="old", email_reminder_offsets=[1440, 180], min_notice_minutes=90
    )
    url = reverse("dashboard:meeting_type_edit", args=[meeting_type.pk])
    form = owner_client.get(url).context["form"]
    assert form["email_offsets_common"].value() == [1440]
    assert form["email_offsets_other"].value() == "3h"
    assert form["min_notice"].value() == "90m"
    response = owner_client.post(url, valid_data(name="New name", slug="old", duration_minutes="60"))
    assert response.status_code == 302
    meeting_type.refresh_from_db()
    assert meeting_type.name == "New name" and meeting_type.slug == "old" and meeting_type.duration_minutes == 60
    assert "New name" in owner_client.get(LIST_URL).text


def test_edit_can_keep_its_own_slug_but_not_take_anothers(owner, owner_client):
    make_meeting_type(owner, slug="taken")
    meeting_type = make_meeting_type(owner, slug="mine")
    url = reverse("dashboard:meeting_type_edit", args=[meeting_type.pk])
    response = owner_client.post(url, valid_data(slug="taken"))
    assert response.status_code == 200
    assert "You already have a meeting type with the link “taken”" in response.text
    meeting_type.refresh_from_db()
    assert meeting_type.slug == "mine"


def test_disable_then_enable_is_reflected_in_the_list(owner, owner_client):
    meeting_type = make_meeting_type(owner, name="Strategy")
    url = reverse("dashboard:meeting_type_state", args=[meeting_type.pk])
    owner_client.post(url, {"state": "disabled"})
    meeting_type.refresh_from_db()
    assert meeting_type.state == MeetingTypeState.DISABLED
    page = owner_client.get(LIST_URL).text
    assert "badge-disabled" in page and ">Enable</button>" in page
    owner_client.post(url, {"state": "active"})
    meeting_type.refresh_from_db()
    assert meeting_type.state == MeetingTypeState.ACTIVE
    assert ">Disable</button>" in owner_client.get(LIST_URL).text


@pytest.mark.parametrize("state", ["deleted", "bogus", ""])
def test_state_endpoint_refuses_anything_but_enable_or_disable(owner, owner_client, state):
    meeting_type = make_meeting_type(owner)
    response = owner_client.post(reverse("dashboard:meeting_type_state", args=[meeting_type.pk]), {"state": state})
    assert response.status_code == 302
    meeting_type.refresh_from_db()
    assert meeting_type.state == MeetingTypeState.ACTIVE


def test_state_endpoint_answers_get_with_405(owner, owner_client):
    meeting_type = make_meeting_type(owner)
    assert owner_client.get(reverse("dashboard:meeting_type_state", args=[meeting_type.pk])).status_code == 405


def test_delete_asks_for_confirmation_then_hides_but_keeps_the_row(owner, owner_client):
    meeting_type = make_meeting_type(owner, name="Old workshop", slug="old-workshop")
    url = reverse("dashboard:meeting_type_delete", args=[meeting_type.pk])
    confirmation = owner_client.get(url)
    assert confirmation.status_code == 200
    assert "Delete “Old workshop”?" in confirmation.text
    meeting_type.refresh_from_db()
    assert meeting_type.state == MeetingTypeState.ACTIVE
    owner_client.post(url)
    meeting_type.refresh_from_db()
    assert meeting_type.state == MeetingTypeState.DELETED
    listing = owner_client.get(LIST_URL)
    assert listing.context["rows"] == []
    assert "No meeting types yet" in listing.text
    assert owner_client.get(reverse("dashboard:meeting_type_edit", args=[meeting_type.pk])).status_code == 404
    assert owner_client.post(url).status_code == 404
    # Its slug is free again for a new type.
    owner_client.post(NEW_URL, valid_data(name="New workshop", slug="old-workshop"))
    assert MeetingType.objects.filter(owner=owner, slug="old-workshop").count() == 2


def test_deleted_is_final(owner):
    meeting_type = make_meeting_type(owner, state=MeetingTypeState.DELETED)
    with pytest.raises(setup_services.IllegalStateChange):
        setup_services.meeting_type_set_state(meeting_type=meeting_type, state=MeetingTypeState.ACTIVE)
    with pytest.raises(setup_services.IllegalStateChange):
        setup_services.meeting_type_update(meeting_type=meeting_type, name="Back")


def test_service_turns_a_slug_race_into_slug_taken(owner):
    make_meeting_type(owner, slug="same")
    with pytest.raises(setup_services.SlugTaken):
        setup_services.meeting_type_create(owner=owner, name="Same", slug="same")


INVALID = [
    ({"name": "  "}, "name", "Give the meeting type a name."),
    ({"slug": "Bad Slug!"}, "slug", "Use lowercase letters, numbers and single hyphens"),
    ({"slug": "packages"}, "slug", "“packages” is used by your package pages"),
    ({"kind": "team"}, "kind", "Choose 1:1 or Group."),
    ({"kind": "group", "capacity": ""}, "capacity", "A group meeting needs a capacity between 2 and 500 seats."),
    ({"kind": "group", "capacity": "1"}, "capacity", "A group meeting needs a capacity between 2 and 500 seats."),
    ({"kind": "group", "capacity": "501"}, "capacity", "A group meeting needs a capacity between 2 and 500 seats."),
    ({"kind": "group", "capacity": "lots"}, "capacity", "Capacity must be a whole number of seats."),
    ({"duration_minutes": "4"}, "duration_minutes", "Duration must be between 5 and 720 minutes."),
    ({"duration_minutes": "721"}, "duration_minutes", "Duration must be between 5 and 720 minutes."),
    ({"duration_minutes": "1.5"}, "duration_minutes", "Duration must be a whole number of minutes."),
    ({"duration_minutes": ""}, "duration_minutes", "Enter the duration in minutes."),
    ({"slot_step_minutes": "4"}, "slot_step_minutes", "Slot step must be between 5 and 720 minutes."),
    ({"slot_step_minutes": "9999999999999999999999"}, "slot_step_minutes", "Slot step must be between 5 and 720"),
    ({"buffer_before_minutes": "-1"}, "buffer_before_minutes", "Buffer before must be between 0 and 240 minutes."),
    ({"buffer_after_minutes": "241"}, "buffer_after_minutes", "Buffer after must be between 0 and 240 minutes."),
    ({"min_notice": "31d"}, "min_notice", "Minimum notice must be between 0 and 30 days."),
    ({"min_notice": "soon"}, "min_notice", "is not a time we understand"),
    ({"min_notice": "4"}, "min_notice", "needs a unit"),
    ({"horizon_days": "0"}, "horizon_days", "Booking window must be between 1 and 365 days."),
    ({"horizon_days": "366"}, "horizon_days", "Booking window must be between 1 and 365 days."),
    ({"location_kind": "moon"}, "location_kind", "Choose a location from the list."),
    ({"location_kind": "in_person", "location_details": ""}, "location_details", "Add the address"),
    ({"location_details": "not a link"}, "location_details", "Enter the full video link"),
    ({"email_offsets_common": ["1440", "60", "30"], "email_offsets_other": "2h"}, "email_offsets_other",
     "Choose at most 3 email reminders."),
    ({"email_offsets_common": ["1440"], "email_offsets_other": "24h"}, "email_offsets_other", "24 h is listed twice."),
    ({"email_offsets_common": [], "email_offsets_other": "31d"}, "email_offsets_other",
     "Email reminders must be between 1 minute and 30 days before the session."),
    ({"email_offsets_common": [], "email_offsets_other": "0m"}, "email_offsets_other",
     "between 1 minute and 30 days"),
    ({"email_offsets_common": [], "email_offsets_other": "tomorrow"}, "email_offsets_other",
     "is not a time we understand"),
    ({"email_offsets_common": ["7"]}, "email_offsets_common", "Choose reminder times from the list."),
    ({"email_offsets_common": [], "email_offsets_other": ""}, "email_offsets_other",
     "Choose at least one time, or turn email reminders off."),
    ({"sms_offsets_common": [], "sms_offsets_other": "1h, 1h"}, "sms_offsets_other", "1 h is listed twice."),
    ({"sms_offsets_common": [], "sms_offsets_other": "5x"}, "sms_offsets_other", "“x” is not a unit we know"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID)
def test_create_refuses_invalid_input_with_a_message_and_saves_nothing(owner_client, overrides, field, message):
    response = owner_client.post(NEW_URL, valid_data(**overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert message in response.text  # shown on the page, next to the field
    assert "Nothing was saved" in response.text
    assert not MeetingType.objects.exists()


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID[:8])
def test_edit_refuses_invalid_input_and_leaves_the_type_unchanged(owner, owner_client, overrides, field, message):
    meeting_type = make_meeting_type(owner, name="Keep me", slug="keep-me", duration_minutes=30)
    response = owner_client.post(
        reverse("dashboard:meeting_type_edit", args=[meeting_type.pk]), valid_data(**{"slug": "keep-me", **overrides})
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    meeting_type.refresh_from_db()
    assert (meeting_type.name, meeting_type.slug, meeting_type.duration_minutes) == ("Keep me", "keep-me", 30)


@pytest.mark.parametrize(("text", "minutes"), [
    ("24h", 1440), ("1 h", 60), ("30m", 30), ("30 min", 30), ("2d", 2880), ("1w", 10080), ("1.5h", 90),
    ("1h30m", 90), ("2 hours", 120), ("45 minutes", 45),
])
def test_duration_text_is_read_as_minutes(text, minutes):
    assert parse_duration(text) == minutes
    assert parse_duration(format_duration(minutes)) == minutes


def _other_owner_urls(meeting_type):
    return [
        reverse("dashboard:meeting_type_edit", args=[meeting_type.pk]),
        reverse("dashboard:meeting_type_state", args=[meeting_type.pk]),
        reverse("dashboard:meeting_type_delete", args=[meeting_type.pk]),
    ]


def test_another_owner_gets_404_for_every_meeting_type_url(owner, other_owner_client):
    meeting_type = make_meeting_type(owner, name="Private", slug="private")
    for url in _other_owner_urls(meeting_type):
        assert other_owner_client.get(url).status_code == 404, url
        assert other_owner_client.post(url, valid_data(name="Hijacked", state="disabled")).status_code == 404, url
    meeting_type.refresh_from_db()
    assert meeting_type.name == "Private" and meeting_type.state == MeetingTypeState.ACTIVE
    assert "Private" not in other_owner_client.get(LIST_URL).text


def test_unknown_meeting_type_id_is_404(owner_client):
    assert owner_client.get(reverse("dashboard:meeting_type_edit", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, owner):
    meeting_type = make_meeting_type(owner)
    for url in [LIST_URL, NEW_URL, *_other_owner_urls(meeting_type)]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and "/login/" in response.url, url
    meeting_type.refresh_from_db()
    assert meeting_type.state == MeetingTypeState.ACTIVE


@pytest.mark.parametrize("count", [1, 12])
def test_list_query_count_does_not_grow_with_meeting_types(owner, owner_client, django_assert_num_queries, count):
    for index in range(count):
        make_meeting_type(owner, kind=MeetingTypeKind.GROUP if index % 2 else MeetingTypeKind.ONE_ON_ONE)
    make_meeting_type(owner, state=MeetingTypeState.DELETED)
    # user (the session comes from the cache), meeting types
    with django_assert_num_queries(2):
        response = owner_client.get(LIST_URL)
    assert len(response.context["rows"]) == count


def test_admin_lists_scheduling_models_and_bookings_are_read_only(client, owner, admin_user):
    make_meeting_type(owner, name="Admin visible")
    client.force_login(admin_user)
    for model in ("meetingtype", "weeklyinterval", "dateoverride", "booking"):
        assert client.get(reverse(f"admin:scheduling_{model}_changelist")).status_code == 200, model
    assert "Admin visible" in client.get(reverse("admin:scheduling_meetingtype_changelist")).text
    assert client.get(reverse("admin:scheduling_booking_add")).status_code == 403


@pytest.mark.parametrize(("min_notice", "horizon_days"), [("2d", "1"), ("1d", "1"), ("30d", "7")])
def test_a_minimum_notice_as_long_as_the_booking_window_is_refused_beside_the_notice(
        owner_client, min_notice, horizon_days):
    # No start can be both at least the notice and at most the window ahead: the booking page would
    # never offer a time, and nothing said why.
    response = owner_client.post(NEW_URL, valid_data(min_notice=min_notice, horizon_days=horizon_days))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("min_notice", []))
    assert "no time could ever be booked" in errors
    assert "no time could ever be booked" in response.text
    assert not MeetingType.objects.exists()


def test_a_minimum_notice_shorter_than_the_booking_window_is_saved(owner, owner_client):
    response = owner_client.post(NEW_URL, valid_data(min_notice="6d", horizon_days="7"))
    assert response.status_code == 302
    assert MeetingType.objects.get(owner=owner).min_notice_minutes == 6 * 24 * 60


@pytest.mark.parametrize(("text", "minutes"), [("2.05h", 123), ("4.1h", 246), ("8.45h", 507), ("1.05d", 1512)])
def test_a_decimal_duration_that_is_whole_minutes_is_read_exactly(text, minutes):
    # 2.05 h is 123 minutes; reading it as a float (122.99999999999999) said it was not whole minutes.
    assert parse_duration(text) == minutes


def test_a_minimum_notice_of_2_05_hours_is_saved_as_123_minutes(owner, owner_client):
    response = owner_client.post(NEW_URL, valid_data(min_notice="2.05h"))
    assert response.status_code == 302
    assert MeetingType.objects.get(owner=owner).min_notice_minutes == 123
