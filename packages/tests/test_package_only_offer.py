"""The package editor offers, beside Package Info, to make each Public meeting type of the package
Package only (one click, that type only; never silently)."""
from django.urls import reverse

from scheduling.models import Visibility
from tests import make_meeting_type, make_package

OFFER = "is also bookable on its own from your booking page."


def edit_url(package) -> str:
    return reverse("packages:edit", args=[package.pk])


def offer_url(package, meeting_type) -> str:
    return reverse("packages:make_package_only", args=[package.pk, meeting_type.pk])


def test_saving_package_info_with_a_public_type_offers_to_make_it_package_only(owner_client, owner):
    coaching = make_meeting_type(owner, name="Coaching session")
    package = make_package(owner, items=[(coaching, 5)], name="Five sessions")
    data = {"name": "Five sessions", "description": "", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
            "items-0-meeting_type": str(coaching.pk), "items-0-quantity": "5"}

    response = owner_client.post(reverse("packages:save_info", args=[package.pk]), data, follow=True)

    html = response.content.decode()
    assert "Package Info saved." in html
    assert f"<strong>Coaching session</strong> {OFFER}" in html
    assert f'action="{offer_url(package, coaching)}"' in html and "Make it package-only" in html
    coaching.refresh_from_db()
    assert coaching.visibility == Visibility.PUBLIC  # nothing changed by itself


def test_one_click_makes_only_that_type_package_only(owner_client, owner):
    coaching, workshop = make_meeting_type(owner, name="Coaching session"), make_meeting_type(owner, name="Workshop")
    package = make_package(owner, items=[(coaching, 5), (workshop, 1)])

    response = owner_client.post(offer_url(package, coaching), follow=True)

    coaching.refresh_from_db()
    workshop.refresh_from_db()
    assert (coaching.visibility, workshop.visibility) == (Visibility.PACKAGE_ONLY, Visibility.PUBLIC)
    html = response.content.decode()
    assert "“Coaching session” is now package-only" in html
    assert f"<strong>Coaching session</strong> {OFFER}" not in html
    assert f"<strong>Workshop</strong> {OFFER}" in html


def test_no_offer_for_secret_or_package_only_types(owner_client, owner):
    package = make_package(owner, items=[(make_meeting_type(owner, visibility=Visibility.SECRET), 1),
                                         (make_meeting_type(owner, visibility=Visibility.PACKAGE_ONLY), 1)])

    assert OFFER not in owner_client.get(edit_url(package)).content.decode()


def test_the_offer_changes_only_a_type_of_that_package_of_that_owner(client, owner, other_owner):
    coaching = make_meeting_type(owner)
    package = make_package(owner, items=[(coaching, 1)])
    elsewhere = make_meeting_type(owner)

    client.force_login(other_owner)
    assert client.post(offer_url(package, coaching)).status_code == 404
    client.force_login(owner)
    assert client.post(offer_url(package, elsewhere)).status_code == 404
    assert client.get(offer_url(package, coaching)).status_code == 405
    coaching.refresh_from_db()
    elsewhere.refresh_from_db()
    assert coaching.visibility == elsewhere.visibility == Visibility.PUBLIC
