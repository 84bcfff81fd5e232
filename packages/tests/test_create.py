"""Creating a package: the Package Info section, its validation, and the plan rule."""
import pytest
from django.urls import reverse

from packages.models import Package, PackageItem
from scheduling.models import MeetingTypeKind, MeetingTypeState
from tests import make_meeting_type, make_package

CREATE_URL = reverse("packages:create")


def info_data(rows, name="Starter pack", description="Four sessions", **extra):
    data = {
        "name": name, "description": description,
        "items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "50",
    }
    for index, (meeting_type_id, quantity) in enumerate(rows):
        data[f"items-{index}-meeting_type"] = "" if meeting_type_id is None else str(meeting_type_id)
        data[f"items-{index}-quantity"] = str(quantity)
    data.update(extra)
    return data


@pytest.fixture
def coaching(owner):
    return make_meeting_type(owner, name="Coaching session", slug="coaching-session", duration_minutes=50)


@pytest.fixture
def workshop(owner):
    return make_meeting_type(owner, name="Group workshop", slug="group-workshop", kind=MeetingTypeKind.GROUP)


def test_create_page_shows_the_package_info_section(owner_client, coaching):
    response = owner_client.get(CREATE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for label in ["Package Info", "Package Name", "Description/Instruction", "Add Meeting Type", "Session Quantity", "Save"]:
        assert label in html
    assert "Coaching session (50 min, 1:1)" in html


def test_save_creates_the_package_and_lands_on_its_edit_page(owner_client, owner, coaching, workshop):
    response = owner_client.post(CREATE_URL, info_data([(coaching.pk, 4), (workshop.pk, 2)], name="Coaching starter pack"))
    package = Package.objects.get(owner=owner)
    assert response.status_code == 302
    assert response["Location"] == reverse("packages:edit", args=[package.pk])
    assert package.name == "Coaching starter pack"
    assert package.slug == "coaching-starter-pack"
    assert package.description == "Four sessions"
    assert [(i.meeting_type, i.quantity) for i in package.items.order_by("position")] == [(coaching, 4), (workshop, 2)]


def test_slug_is_unique_among_the_owners_live_packages(owner_client, owner, other_owner, coaching):
    make_package(owner, name="Starter pack", slug="starter-pack")
    make_package(owner, name="Old", slug="starter-pack-2", state="deleted")
    make_package(other_owner, name="Starter pack", slug="starter-pack-3")
    owner_client.post(CREATE_URL, info_data([(coaching.pk, 1)], name="Starter pack"))
    owner_client.post(CREATE_URL, info_data([(coaching.pk, 1)], name="Starter pack"))
    slugs = sorted(Package.objects.for_owner(owner).visible().values_list("slug", flat=True))
    assert slugs == ["starter-pack", "starter-pack-2", "starter-pack-3"]


def test_add_meeting_type_without_javascript_redirects_to_the_page_with_one_more_row(owner_client, owner, coaching):
    data = info_data([(coaching.pk, 3)], name="Keep me", add_meeting_type="1")
    response = owner_client.post(CREATE_URL, data)
    # POST, redirect, GET: the browser is never left on a POST address.
    assert response.status_code == 302 and response["Location"] == CREATE_URL + "#package-info"
    assert not Package.objects.exists()
    response = owner_client.get(CREATE_URL)
    formset = response.context["item_formset"]
    assert len(formset.forms) == 2
    html = response.content.decode()
    assert 'value="Keep me"' in html
    assert 'name="items-1-meeting_type"' in html
    assert "errorlist" not in html  # adding a row is not a failed save
    assert "A meeting type row is added below." in html
    # Shown once: the next visit is a fresh form, with no row until "Add Meeting Type" is pressed.
    assert len(owner_client.get(CREATE_URL).context["item_formset"].forms) == 0


def test_a_new_package_opens_without_an_empty_meeting_type_row(owner_client, coaching):
    response = owner_client.get(CREATE_URL)

    assert len(response.context["item_formset"].forms) == 0
    html = response.content.decode()
    assert 'name="items-0-meeting_type"' not in html
    assert "No meeting types yet: press “Add Meeting Type” to add the first." in html


def test_saving_a_new_package_without_a_meeting_type_says_so(owner_client, coaching):
    response = owner_client.post(CREATE_URL, {**info_data([], name="Empty"), "items-TOTAL_FORMS": "0"})

    assert "Add at least one meeting type." in response.content.decode()
    assert not Package.objects.exists()


def test_removed_row_is_dropped_when_adding_a_row(owner_client, coaching, workshop):
    data = info_data([(coaching.pk, 3), (workshop.pk, 2)], add_meeting_type="1")
    data["items-0-DELETE"] = "on"
    owner_client.post(CREATE_URL, data)
    response = owner_client.get(CREATE_URL)
    rows = [form.initial for form in response.context["item_formset"].forms]
    assert [row.get("meeting_type") for row in rows] == [str(workshop.pk), None]


def test_blank_rows_are_ignored(owner_client, owner, coaching):
    owner_client.post(CREATE_URL, info_data([(coaching.pk, 2), (None, 1)]))
    assert Package.objects.get(owner=owner).items.count() == 1


def assert_refused(response, message):
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Package.objects.exists()
    assert not PackageItem.objects.exists()


def test_no_meeting_type_is_refused(owner_client):
    assert_refused(owner_client.post(CREATE_URL, info_data([(None, 1)])), "Add at least one meeting type.")


@pytest.mark.parametrize("quantity", [0, 1000, -1])
def test_quantity_outside_1_to_999_is_refused(owner_client, coaching, quantity):
    response = owner_client.post(CREATE_URL, info_data([(coaching.pk, quantity)]))
    assert_refused(response, "Session Quantity must be between 1 and 999.")
    assert response.context["item_formset"].forms[0].errors["quantity"]


def test_quantity_that_is_not_a_number_is_refused(owner_client, coaching):
    assert_refused(owner_client.post(CREATE_URL, info_data([(coaching.pk, "four")])), "Enter a whole number")


def test_missing_quantity_is_refused(owner_client, coaching):
    assert_refused(owner_client.post(CREATE_URL, info_data([(coaching.pk, "")])), "Enter a Session Quantity")


def test_quantities_1_and_999_are_accepted(owner_client, owner, coaching, workshop):
    owner_client.post(CREATE_URL, info_data([(coaching.pk, 1), (workshop.pk, 999)]))
    assert sorted(PackageItem.objects.values_list("quantity", flat=True)) == [1, 999]


def test_the_same_meeting_type_twice_is_refused_and_named(owner_client, coaching):
    response = owner_client.post(CREATE_URL, info_data([(coaching.pk, 2), (coaching.pk, 3)]))
    assert_refused(response, "Coaching session is chosen twice.")
    assert "Coaching session is already in this package" in str(response.context["item_formset"].forms[1].errors)


def test_another_owners_meeting_type_is_refused(owner_client, other_owner):
    theirs = make_meeting_type(other_owner, name="Their session")
    response = owner_client.post(CREATE_URL, info_data([(theirs.pk, 1)]))
    assert_refused(response, "Choose one of your active meeting types.")


@pytest.mark.parametrize("state", [MeetingTypeState.DISABLED, MeetingTypeState.DELETED])
def test_disabled_or_deleted_meeting_type_is_refused(owner_client, owner, state):
    inactive = make_meeting_type(owner, name="Old session", state=state)
    response = owner_client.post(CREATE_URL, info_data([(inactive.pk, 1)]))
    assert_refused(response, "Choose one of your active meeting types.")


def test_inactive_meeting_types_are_not_offered(owner_client, owner, coaching):
    make_meeting_type(owner, name="Retired session", state=MeetingTypeState.DISABLED)
    make_meeting_type(owner, name="Gone session", state=MeetingTypeState.DELETED)
    html = owner_client.get(CREATE_URL).content.decode()
    assert "Coaching session" in html
    assert "Retired session" not in html and "Gone session" not in html


def test_empty_name_is_refused(owner_client, coaching):
    response = owner_client.post(CREATE_URL, info_data([(coaching.pk, 1)], name="   "))
    assert_refused(response, "Enter a Package Name.")
    assert response.context["info_form"].errors["name"]


def test_name_over_200_characters_is_refused(owner_client, owner, coaching):
    response = owner_client.post(CREATE_URL, info_data([(coaching.pk, 1)], name="x" * 201))
    assert_refused(response, "200 characters or fewer")
    owner_client.post(CREATE_URL, info_data([(coaching.pk, 1)], name="x" * 200))
    assert Package.objects.get(owner=owner).name == "x" * 200


@pytest.mark.parametrize("total", ["abc", "-3", "100000"])
def test_tampered_management_form_never_errors(owner_client, coaching, total):
    data = info_data([(coaching.pk, 1)])
    data["items-TOTAL_FORMS"] = total
    assert owner_client.post(CREATE_URL, data).status_code in (200, 302)
    assert owner_client.post(CREATE_URL, {**data, "add_meeting_type": "1"}).status_code == 302
    assert owner_client.get(CREATE_URL).status_code == 200


def test_free_owner_sees_no_create_page(client, free_owner):
    client.force_login(free_owner)
    response = client.get(CREATE_URL, follow=True)
    assert response.redirect_chain[-1][0] == reverse("packages:list")
    assert "Packages are part of the Team plan" in response.content.decode()


@pytest.mark.parametrize("plan", ["free", "pro"])
def test_free_or_pro_owner_cannot_create_by_posting_directly(db, client, plan):
    from tests import make_owner

    lower = make_owner(plan=plan)
    meeting_type = make_meeting_type(lower, name="Coaching")
    client.force_login(lower)
    response = client.post(CREATE_URL, info_data([(meeting_type.pk, 2)]))
    assert response.status_code == 302
    assert not Package.objects.exists()


def test_create_needs_login(client):
    response = client.get(CREATE_URL)
    assert response.status_code == 302
    assert "login" in response["Location"]
