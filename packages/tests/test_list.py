"""The Packages page: what it lists, the plan notice, and its query budget."""
from decimal import Decimal

import pytest
from django.urls import reverse

from packages.models import ExpiryKind, InviteeQuestion
from scheduling.models import MeetingTypeState
from tests import make_meeting_type, make_order, make_package

# user (the session comes from the cache), package, items with their meeting types, questions, the
# user again, and the meeting types to choose from: read once for every item row.
QUERIES_OF_THE_EDITOR = 6
LIST_URL = reverse("packages:list")


def test_list_shows_each_package_with_its_details(owner_client, owner):
    coaching = make_meeting_type(owner, name="Coaching session")
    workshop = make_meeting_type(owner, name="Group workshop", kind="group")
    package = make_package(owner, items=[(coaching, 4), (workshop, 2)], name="Starter pack",
                           slug="starter-pack", price=Decimal("1240.00"), currency="USD")
    make_order(package)
    make_order(package)
    response = owner_client.get(LIST_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Packages</h1>" in html
    assert "Starter pack" in html
    assert "4 × Coaching session" in html and "2 × Group workshop" in html
    assert "1,240.00 USD" in html
    assert 'badge badge-active">Active' in html
    assert response.context["packages"][0].order_count == 2
    assert 'data-copy="http://testserver/coach/packages/starter-pack/"' in html
    assert "+ Create" in html


def test_free_package_shows_free(owner_client, owner):
    make_package(owner, price=Decimal("0"))
    assert "Free" in owner_client.get(LIST_URL).content.decode()


def test_deleted_packages_are_not_listed_disabled_ones_are(owner_client, owner):
    make_package(owner, name="Gone pack", state="deleted")
    make_package(owner, name="Paused pack", state="disabled")
    html = owner_client.get(LIST_URL).content.decode()
    assert "Gone pack" not in html
    assert "Paused pack" in html and 'badge badge-disabled">Disabled' in html


def test_another_owners_packages_are_not_listed(owner_client, other_owner):
    make_package(other_owner, name="Their pack")
    assert "Their pack" not in owner_client.get(LIST_URL).content.decode()


def test_empty_state(owner_client):
    html = owner_client.get(LIST_URL).content.decode()
    assert "No packages yet" in html and "+ Create" in html


def test_package_without_active_meeting_type_is_marked_not_orderable(owner_client, owner):
    make_package(owner, items=[(make_meeting_type(owner, state=MeetingTypeState.DISABLED), 1)])
    assert "Not orderable" in owner_client.get(LIST_URL).content.decode()


@pytest.mark.parametrize("plan", ["free", "pro"])
def test_lower_plans_see_an_upgrade_notice_instead_of_create(db, client, plan):
    from tests import make_owner

    lower = make_owner(plan=plan)
    make_package(lower, name="Kept pack")
    client.force_login(lower)
    html = client.get(LIST_URL).content.decode()
    assert "Packages are part of the Team plan" in html
    assert "+ Create" not in html
    assert "Kept pack" in html and "Not orderable" in html
    assert "Your existing packages are kept but cannot be ordered." in html


def test_free_owner_empty_state_has_no_create(client, free_owner):
    client.force_login(free_owner)
    html = client.get(LIST_URL).content.decode()
    assert "No packages yet" in html and "+ Create" not in html


def test_list_needs_login(client):
    assert client.get(LIST_URL).status_code == 302


def _fill(owner, count):
    for _ in range(count):
        package = make_package(owner, items=[(make_meeting_type(owner), 2), (make_meeting_type(owner), 3)])
        make_order(package)


@pytest.mark.parametrize("count", [1, 8])
def test_list_query_count_is_constant(owner_client, owner, django_assert_num_queries, count):
    _fill(owner, count)
    # user (the session comes from the cache), packages with order counts, items with meeting types
    with django_assert_num_queries(3):
        response = owner_client.get(LIST_URL)
    assert len(response.context["packages"]) == count


@pytest.mark.parametrize("size", [1, 6])
def test_the_editor_with_its_policies_runs_a_fixed_number_of_queries(owner_client, owner, django_assert_num_queries,
                                                                     size):
    """The editor (Package Info, Invitee Preferences, Payment Preferences, Policies) with `size`
    meeting types in the package, as many questions and as many other meeting types to choose from."""
    package = make_package(owner, items=[(make_meeting_type(owner), 2) for _ in range(size)],
                           expiry_kind=ExpiryKind.AFTER_FIRST_BOOKING, expiry_days=60, cancel_window_hours=24)
    for n in range(size):
        make_meeting_type(owner)
        InviteeQuestion.objects.create(package=package, text=f"Question {n}?", kind="short_text", position=n)
    url = reverse("packages:edit", args=[package.pk])
    owner_client.get(url)
    with django_assert_num_queries(QUERIES_OF_THE_EDITOR):
        html = owner_client.get(url).content.decode()
    assert "Policies" in html and 'value="60"' in html and html.count("Question ") >= size
