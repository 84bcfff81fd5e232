import re

import pytest
from django.urls import reverse

from accounts.tests.html import unlabelled_inputs

SETTINGS_URL = reverse("accounts:settings")
# The reserved words of DESIGN.md: each would shadow a top-level URL of the product.
DESIGN_RESERVED_SLUGS = ["dashboard", "accounts", "orders", "bookings", "payments", "team", "api", "admin", "static", "my"]


def _form_data(**overrides) -> dict:
    data = {
        "display_name": "Casey Coach",
        "slug": "coach",
        "timezone": "America/New_York",
        "notify_owner_by_email": "on",
    }
    data.update(overrides)
    return data


def _assert_nothing_saved(owner) -> None:
    owner.refresh_from_db()
    assert owner.display_name == "Casey Coach"
    assert owner.slug == "coach"
    assert owner.timezone == "America/New_York"
    assert owner.notify_owner_by_email is True


def _field_errors(response, field: str) -> str:
    return " ".join(response.context["form"].errors.get(field, []))


def test_settings_page_shows_the_saved_values_with_a_label_for_each_input(owner_client):
    response = owner_client.get(SETTINGS_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Settings</h1>" in html
    assert 'value="coach"' in html
    assert 'value="Casey Coach"' in html
    assert unlabelled_inputs(html) == []


def test_settings_page_saves_valid_changes(owner_client, owner):
    response = owner_client.post(
        SETTINGS_URL, _form_data(display_name="Casey C.", slug="casey-coaching", timezone="Asia/Tokyo",
                                 notify_owner_by_email="")
    )

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    assert "Settings saved." in owner_client.get(SETTINGS_URL).content.decode()
    owner.refresh_from_db()
    assert owner.display_name == "Casey C."
    assert owner.slug == "casey-coaching"
    assert owner.timezone == "Asia/Tokyo"
    assert owner.notify_owner_by_email is False


def test_settings_page_keeps_the_owners_own_slug(owner_client, owner):
    response = owner_client.post(SETTINGS_URL, _form_data(display_name="Casey Renamed"))

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.slug == "coach"
    assert owner.display_name == "Casey Renamed"


@pytest.mark.parametrize("reserved", DESIGN_RESERVED_SLUGS)
def test_settings_page_refuses_a_reserved_booking_link(owner_client, owner, reserved):
    response = owner_client.post(SETTINGS_URL, _form_data(slug=reserved, display_name="Changed Too"))

    assert response.status_code == 200
    assert f"“{reserved}” is reserved" in _field_errors(response, "slug")
    assert "Nothing was saved" in response.content.decode()
    _assert_nothing_saved(owner)


def test_settings_page_refuses_a_booking_link_another_owner_has(owner_client, owner, other_owner):
    response = owner_client.post(SETTINGS_URL, _form_data(slug="other-coach", display_name="Changed Too"))

    assert response.status_code == 200
    assert "is taken" in _field_errors(response, "slug")
    _assert_nothing_saved(owner)
    other_owner.refresh_from_db()
    assert other_owner.slug == "other-coach"


def test_settings_page_refuses_a_taken_booking_link_in_other_letter_case(owner_client, owner, other_owner):
    response = owner_client.post(SETTINGS_URL, _form_data(slug="Other-Coach"))

    assert response.status_code == 200
    assert "is taken" in _field_errors(response, "slug")
    _assert_nothing_saved(owner)


@pytest.mark.parametrize(
    "bad_slug",
    ["two words", "under_score", "-leading", "trailing-", "double--hyphen", "dot.ted", "ünïcode", "x" * 61, ""],
)
def test_settings_page_refuses_a_booking_link_that_is_not_slug_shaped(owner_client, owner, bad_slug):
    response = owner_client.post(SETTINGS_URL, _form_data(slug=bad_slug, display_name="Changed Too"))

    assert response.status_code == 200
    assert _field_errors(response, "slug")
    _assert_nothing_saved(owner)


@pytest.mark.parametrize("bad_zone", ["Mars/Olympus_Mons", "", "not a zone", "Berlinn", "x" * 300])
def test_settings_page_refuses_an_unknown_time_zone(owner_client, owner, bad_zone):
    response = owner_client.post(SETTINGS_URL, _form_data(timezone=bad_zone, display_name="Changed Too"))

    assert response.status_code == 200
    assert "Type a city or a region, for example Berlin" in _field_errors(response, "timezone")
    _assert_nothing_saved(owner)


def test_the_time_zone_is_a_searchable_field_not_a_list_of_every_zone(owner_client):
    html = owner_client.get(SETTINGS_URL).content.decode()

    field = re.search(r'<input[^>]* name="timezone"[^>]*>', html).group(0)
    assert 'type="text"' in field and 'value="America/New_York"' in field
    list_id = re.search(r'list="([^"]+)"', field).group(1)
    zones = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', html, re.S).group(1)
    assert '<option value="Europe/Berlin">' in zones and zones.count("<option") > 300
    assert '<select name="timezone"' not in html


@pytest.mark.parametrize(("typed", "zone"), [
    ("Berlin", "Europe/Berlin"), ("new york", "America/New_York"), ("america/new_york", "America/New_York"),
    ("  Europe/Paris ", "Europe/Paris"),
])
def test_a_time_zone_may_be_typed_as_its_city_or_its_name(owner_client, owner, typed, zone):
    response = owner_client.post(SETTINGS_URL, _form_data(timezone=typed))

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.timezone == zone


@pytest.mark.parametrize("empty_name", ["", "   "])
def test_settings_page_refuses_an_empty_display_name(owner_client, owner, empty_name):
    response = owner_client.post(SETTINGS_URL, _form_data(display_name=empty_name, slug="new-link"))

    assert response.status_code == 200
    assert _field_errors(response, "display_name")
    _assert_nothing_saved(owner)


def test_settings_page_after_an_error_shows_the_saved_name_in_the_account_menu(owner_client, owner):
    response = owner_client.post(SETTINGS_URL, _form_data(display_name="Not Saved", slug="admin"))

    assert "<summary>Casey Coach</summary>" in response.content.decode()


def test_settings_page_needs_a_login(client, db):
    response = client.get(SETTINGS_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={SETTINGS_URL}"


def test_names_are_kept_on_one_line(owner_client, owner):
    # The display name heads emails (a team invitation's subject): a line break there is a header
    # the mail library refuses.
    response = owner_client.post(SETTINGS_URL, _form_data(display_name="Casey\r\n Coach"))

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.display_name == "Casey Coach"
