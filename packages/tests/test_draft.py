"""A new package is a draft until its Payment Preferences are saved once (DESIGN rule 9): it is on
no booking page, its order page says it is not available yet and a POST orders nothing. Free is an
explicit choice in Payment Preferences, never an empty price."""
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import PackageOrder
from packages.models import Package, PackageState
from packages.services import PackageError, package_enable, package_update_payment
from packages.tests.test_create import CREATE_URL, info_data
from tests import make_meeting_type, make_owner, make_package
from tests.migrations import migrate, reset_to_latest


@pytest.fixture
def coaching(owner):
    return make_meeting_type(owner, name="Coaching session", slug="coaching-session", duration_minutes=50)


@pytest.fixture
def visitor():
    return Client()


@pytest.fixture
def draft(owner_client, owner, coaching):
    owner_client.post(CREATE_URL, info_data([(coaching.pk, 4)], name="Starter pack"))
    return Package.objects.get(owner=owner)


def payment(pricing="paid", price="240.00", currency="USD", medium="stripe", terms=""):
    return {"pricing": pricing, "price": price, "currency": currency, "payment_medium": medium, "terms": terms}


def order_post(client, package, owner):
    return client.post(reverse("public:order_package", args=[owner.slug, package.slug]), {
        "name": "Jamie Client", "email": "jamie@example.com", "timezone": "Europe/London",
    })


def test_a_new_package_is_a_draft_on_no_page_and_cannot_be_ordered(visitor, owner_client, owner, draft):
    assert draft.state == PackageState.DRAFT
    owner_page = visitor.get(reverse("public:owner_page", args=[owner.slug])).content.decode()
    assert "Starter pack" not in owner_page and "Free" not in owner_page

    order_page = visitor.get(reverse("public:order_package", args=[owner.slug, draft.slug]))
    html = order_page.content.decode()
    assert order_page.status_code == 200
    assert "This package is not available yet." in html
    assert "Order for free" not in html and '<form method="post"' not in html

    response = order_post(visitor, draft, owner)
    assert response.status_code == 200
    assert "This package is not available yet." in response.content.decode()
    assert not PackageOrder.objects.exists()


def test_the_package_list_shows_the_draft_and_what_is_missing(owner_client, draft):
    html = owner_client.get(reverse("packages:list")).content.decode()
    assert "badge-draft" in html and ">Draft<" in html
    assert "Set a price to publish" in html
    assert f'{reverse("packages:edit", args=[draft.pk])}#payment-preferences' in html
    assert "Not public until published" in html
    # The list does not pretend a draft is free.
    assert "Free" not in html and "No price yet" in html


def test_the_editor_of_a_draft_says_how_to_publish_and_offers_no_enable(owner_client, draft):
    html = owner_client.get(reverse("packages:edit", args=[draft.pk])).content.decode()
    assert "Clients cannot see or order this package yet." in html
    assert ">Enable</button>" not in html
    # No price yet: the field starts empty, not at 0, and "Paid" is chosen.
    form = owner_client.get(reverse("packages:edit", args=[draft.pk])).context["payment_form"]
    assert form.initial["price"] == "" and form.initial["pricing"] == "paid"


def test_enable_does_not_publish_a_draft(owner_client, draft):
    response = owner_client.post(reverse("packages:enable", args=[draft.pk]), follow=True)
    assert "Set a price in Payment Preferences" in response.content.decode()
    assert Package.objects.get(pk=draft.pk).state == PackageState.DRAFT
    with pytest.raises(PackageError):
        package_enable(package=draft)


def test_disabling_a_draft_says_it_cannot_be_and_it_stays_a_draft(owner_client, draft):
    """No page offers Disable on a draft; a post from elsewhere (another tool, an old form) is told why."""
    response = owner_client.post(reverse("packages:disable", args=[draft.pk]), follow=True)

    assert response.status_code == 200
    assert "A draft package cannot become disabled." in response.content.decode()
    assert "is disabled" not in response.content.decode()
    assert Package.objects.get(pk=draft.pk).state == PackageState.DRAFT


def test_saving_payment_preferences_publishes_the_draft(visitor, owner_client, owner, draft):
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[draft.pk]), payment(),
                                 follow=True)
    assert "The package is published" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.state, draft.price, draft.payment_medium) == (PackageState.ACTIVE, Decimal("240.00"), "stripe")
    assert "Starter pack" in visitor.get(reverse("public:owner_page", args=[owner.slug])).content.decode()


@pytest.mark.parametrize("price", ["", "0", "0.00"])
def test_a_paid_package_without_a_price_is_refused_and_stays_a_draft(owner_client, draft, price):
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[draft.pk]),
                                 payment(price=price, medium=""))
    assert response.status_code == 200
    assert "Enter a Package Price above 0, or choose Free." in str(response.context["payment_form"].errors["price"])
    assert Package.objects.get(pk=draft.pk).state == PackageState.DRAFT


def test_free_is_an_explicit_choice(visitor, owner_client, owner, draft):
    # Free, with a price and a medium left in the fields: the package costs nothing, no medium.
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[draft.pk]),
                                 payment(pricing="free", price="99", medium="stripe"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.price, draft.payment_medium) == (PackageState.ACTIVE, Decimal("0"), "")
    html = visitor.get(reverse("public:order_package", args=[owner.slug, draft.slug])).content.decode()
    assert "Free" in html
    assert owner_client.get(reverse("packages:edit", args=[draft.pk])).context["payment_form"].initial["pricing"] == "free"


def test_the_service_refuses_a_zero_price_that_is_not_chosen_as_free(owner, coaching):
    package = make_package(owner, items=[(coaching, 1)], state=PackageState.DRAFT, price=Decimal("0"))
    with pytest.raises(PackageError, match="choose Free"):
        package_update_payment(package=package, price=Decimal("0"), currency="USD", payment_medium="", terms="")
    assert Package.objects.get(pk=package.pk).state == PackageState.DRAFT


def test_a_draft_can_be_deleted(owner_client, draft):
    owner_client.post(reverse("packages:delete", args=[draft.pk]))
    assert Package.objects.get(pk=draft.pk).state == PackageState.DELETED


@pytest.mark.django_db(transaction=True)
def test_existing_packages_keep_their_state_through_the_migration():
    before = [("packages", "0001_initial")]
    executor = migrate(before)
    try:
        OldPackage = executor.loader.project_state(before).apps.get_model("packages", "Package")
        owner = make_owner(email="old@example.com", slug="old")
        states = {"paid": "active", "free": "active", "off": "disabled"}
        for name, state in states.items():
            OldPackage.objects.create(owner_id=owner.pk, name=name, slug=name, state=state,
                                      price=Decimal("0" if name == "free" else "50"),
                                      payment_medium="" if name == "free" else "stripe")
        # Forward through the migration under test only, then back to the latest schema (tests/migrations.py).
        after = [("packages", "0002_package_draft_state")]
        executor = migrate(after)
        NewPackage = executor.loader.project_state(after).apps.get_model("packages", "Package")
        assert dict(NewPackage.objects.values_list("name", "state")) == states
    finally:
        reset_to_latest()


def test_only_the_pricing_choice_says_free(owner_client, draft):
    # The empty Payment Medium is "not chosen yet", not a way to make the package free.
    html = owner_client.get(reverse("packages:edit", args=[draft.pk])).content.decode()
    medium = html.split('name="payment_medium"')[1].split("</select>")[0]
    assert "free" not in medium.lower()
    assert '<option value="" selected>Choose…</option>' in medium
