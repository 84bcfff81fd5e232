"""What the personal booking page and the order page get from packages.selectors."""
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from accounts.plans import Plan
from packages.models import PackageState
from packages.selectors import (
    get_package_by_slug,
    package_is_orderable,
    packages_for_owner_page,
)
from scheduling.models import MeetingTypeState
from tests import make_meeting_type, make_package


def orderable(*, owner, slug):
    """What the order page does: the package by its slug, when it can be ordered."""
    package = get_package_by_slug(owner=owner, slug=slug)
    return package if package is not None and package_is_orderable(package) else None


def names(packages):
    return sorted(package.name for package in packages)


def test_owner_page_lists_only_active_orderable_packages(owner, other_owner):
    active_type = make_meeting_type(owner)
    make_package(owner, items=[(active_type, 2)], name="Active")
    make_package(owner, items=[(active_type, 2)], name="Disabled", state=PackageState.DISABLED)
    make_package(owner, items=[(active_type, 2)], name="Deleted", state=PackageState.DELETED)
    make_package(owner, items=[(make_meeting_type(owner, state=MeetingTypeState.DISABLED), 1)], name="Dead types")
    make_package(other_owner, name="Someone else's")
    assert names(packages_for_owner_page(owner=owner)) == ["Active"]


@pytest.mark.parametrize("plan", [Plan.FREE, Plan.PRO])
def test_owner_page_lists_nothing_below_team(owner, plan):
    make_package(owner, name="Active")
    owner.plan = plan
    owner.save()
    assert packages_for_owner_page(owner=owner) == []


def test_enterprise_owner_page_lists_packages(owner):
    owner.plan = Plan.ENTERPRISE
    owner.save()
    make_package(owner, name="Active")
    assert names(packages_for_owner_page(owner=owner)) == ["Active"]


@pytest.mark.parametrize("count", [1, 6])
def test_owner_page_query_count_is_constant(owner, django_assert_num_queries, count):
    for _ in range(count):
        make_package(owner, items=[(make_meeting_type(owner), 2), (make_meeting_type(owner), 1)])
    with django_assert_num_queries(2):
        packages = packages_for_owner_page(owner=owner)
        html = render_to_string("packages/_owner_page_packages.html", {"packages": packages, "owner": owner})
    assert len(packages) == count
    assert html.count("package-card") == count


def test_orderable_package_by_slug(owner):
    make_package(owner, name="Starter", slug="starter")
    assert orderable(owner=owner, slug="starter").name == "Starter"
    assert orderable(owner=owner, slug="nope") is None


@pytest.mark.parametrize("state", [PackageState.DISABLED, PackageState.DELETED])
def test_disabled_or_deleted_package_is_found_but_not_orderable(owner, state):
    make_package(owner, name="Starter", slug="starter", state=state)
    package = get_package_by_slug(owner=owner, slug="starter")
    assert package is not None and package.state == state
    assert not package_is_orderable(package)
    assert orderable(owner=owner, slug="starter") is None


def test_live_package_wins_over_a_deleted_one_with_the_same_slug(owner):
    make_package(owner, name="Old", slug="starter", state=PackageState.DELETED)
    make_package(owner, name="New", slug="starter")
    assert get_package_by_slug(owner=owner, slug="starter").name == "New"


def test_another_owners_slug_is_not_found(owner, other_owner):
    make_package(other_owner, slug="theirs")
    assert get_package_by_slug(owner=owner, slug="theirs") is None


def test_package_below_team_is_not_orderable(free_owner):
    package = make_package(free_owner, slug="kept")
    assert get_package_by_slug(owner=free_owner, slug="kept") is not None
    assert not package_is_orderable(package)
    assert orderable(owner=free_owner, slug="kept") is None


def test_package_needs_at_least_one_active_meeting_type(owner):
    active_type = make_meeting_type(owner)
    disabled_type = make_meeting_type(owner, state=MeetingTypeState.DISABLED)
    assert package_is_orderable(make_package(owner, items=[(active_type, 1), (disabled_type, 1)]))
    assert not package_is_orderable(make_package(owner, items=[(disabled_type, 1)]))


def test_owner_page_section_shows_title_sessions_price_and_link(owner):
    coaching = make_meeting_type(owner, name="Coaching session", duration_minutes=50)
    workshop = make_meeting_type(owner, name="Group workshop", kind="group", duration_minutes=90)
    make_package(owner, items=[(coaching, 4), (workshop, 2)], name="Coaching starter pack",
                 slug="coaching-starter-pack", description="Get going", price=Decimal("240.00"))
    make_package(owner, name="Taster", slug="taster", price=Decimal("0"))
    html = render_to_string("packages/_owner_page_packages.html",
                            {"packages": packages_for_owner_page(owner=owner), "owner": owner})
    assert ">Packages</h2>" in html
    assert "Coaching starter pack" in html and "Get going" in html
    assert "4 × Coaching session (50 min)" in html and "2 × Group workshop (90 min)" in html
    assert "240.00 USD" in html and "Free" in html
    assert 'href="/coach/packages/coaching-starter-pack/"' in html


def test_owner_page_section_renders_nothing_without_packages(owner):
    html = render_to_string("packages/_owner_page_packages.html", {"packages": [], "owner": owner})
    assert html.strip() == "" or "Packages" not in html


def test_owner_page_cards_list_only_what_an_order_would_get(client, owner):
    coaching = make_meeting_type(owner, name="Coaching session", duration_minutes=50)
    retired = make_meeting_type(owner, name="Retired workshop", duration_minutes=90)
    make_package(owner, items=[(coaching, 4), (retired, 2)], name="Starter pack", slug="starter-pack")
    retired.state = MeetingTypeState.DISABLED
    retired.save(update_fields=["state"])
    html = client.get(f"/{owner.slug}/").content.decode()
    assert "4 × Coaching session (50 min)" in html
    assert "Retired workshop" not in html
