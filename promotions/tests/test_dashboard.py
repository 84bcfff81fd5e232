"""The owner's Promo Codes pages: list, create, edit, disable, enable, delete. Bad input gets its
message next to the field and saves nothing; another owner's code is a 404 (tests/test_isolation.py
walks every route); below the Team plan nothing can be created."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.services import order_create
from promotions.models import DiscountKind, PromoCode
from tests import make_meeting_type, make_owner, make_package

pytestmark = pytest.mark.django_db

LIST, CREATE = reverse("promotions:list"), reverse("promotions:create")


def valid(**changes) -> dict:
    data = {"code": "WELCOME10", "discount_type": "percent", "value": "10", "currency": "", "applies_to": "all",
            "valid_from": "", "valid_until": "", "max_uses": "", "once_per_client": "", "new_clients_only": "on"}
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


def error_of(html: str, field: str) -> str:
    """The message shown next to `field` (Django names its error list after the field's id)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>(.*?)</li>', html)
    return match.group(1) if match else ""


def test_the_owner_creates_a_code_and_sees_it_listed(owner_client, owner):
    response = owner_client.post(CREATE, valid(code=" welcome10 ", max_uses="50"), follow=True)

    html = response.content.decode()
    promo = PromoCode.objects.get(owner=owner)
    assert (promo.code, promo.kind, promo.value, promo.new_clients_only, promo.max_uses) == (
        "WELCOME10", DiscountKind.PERCENT, Decimal("10"), True, 50)
    assert "Promo code WELCOME10 is created." in html
    for shown in ("WELCOME10", "10 % off", "Everything you sell", "0 / 50", "Active", "New clients only"):
        assert shown in html


def test_a_code_for_chosen_packages_lists_them(owner_client, owner):
    pack, other = make_package(owner, name="Starter pack"), make_package(owner, name="Deep dive")

    owner_client.post(CREATE, valid(applies_to="chosen", packages=[str(pack.pk)], discount_type="amount",
                                    value="20", currency="USD"))

    promo = PromoCode.objects.get()
    assert list(promo.packages.all()) == [pack] and not promo.applies_to_all
    html = owner_client.get(LIST).content.decode()
    assert "20.00 USD off" in html and "Starter pack" in html and "Deep dive" not in html
    assert other.pk  # there to be left out


def test_a_code_for_chosen_paid_sessions_offers_only_paid_meeting_types_and_lists_them(owner_client, owner):
    paid = make_meeting_type(owner, name="Single coaching", price=Decimal("80"), currency="USD")
    free = make_meeting_type(owner, name="Intro call")
    pack = make_package(owner, name="Starter pack")

    form_html = owner_client.get(CREATE).content.decode()
    assert "Everything I sell (all packages and paid sessions)" in form_html
    assert "Single coaching" in form_html and "Intro call" not in form_html

    owner_client.post(CREATE, valid(applies_to="chosen", meeting_types=[str(paid.pk)]))

    promo = PromoCode.objects.get()
    assert list(promo.meeting_types.all()) == [paid] and list(promo.packages.all()) == []
    html = owner_client.get(LIST).content.decode()
    assert "Single coaching (session)" in html and "Starter pack" not in html
    assert free.pk and pack.pk  # there to be left out


def test_a_free_or_another_owners_meeting_type_is_refused_next_to_the_field(owner_client, owner):
    free = make_meeting_type(owner, name="Intro call")
    theirs = make_meeting_type(make_owner(), name="Their session", price=Decimal("80"), currency="USD")

    for meeting_type in (free, theirs):
        response = owner_client.post(CREATE, valid(applies_to="chosen", meeting_types=[str(meeting_type.pk)]))

        assert error_of(response.content.decode(), "meeting_types") == "Choose among your paid meeting types."
    assert not PromoCode.objects.exists()


def test_editing_a_code_to_everything_clears_its_chosen_sessions(owner_client, owner):
    paid = make_meeting_type(owner, name="Single coaching", price=Decimal("80"), currency="USD")
    promo = PromoCode.objects.create(owner=owner, code="SESSION5", value=Decimal("5"), applies_to_all=False)
    promo.meeting_types.set([paid])

    edit_html = owner_client.get(reverse("promotions:edit", args=[promo.pk])).content.decode()
    assert re.search(rf'value="{paid.pk}"[^>]*checked', edit_html)
    owner_client.post(reverse("promotions:edit", args=[promo.pk]), valid(code="SESSION5", applies_to="all"))

    promo.refresh_from_db()
    assert promo.applies_to_all and list(promo.meeting_types.all()) == []


@pytest.mark.parametrize("changes, field, message", [
    ({"value": "0"}, "value", "Enter a discount above 0."),
    ({"value": "-5"}, "value", "Enter a discount above 0."),
    ({"value": "ten"}, "value", "Enter the discount as a number, e.g. 10 or 20.00."),
    ({"value": "NaN"}, "value", "Enter the discount as a number, e.g. 10 or 20.00."),
    ({"value": "1000001", "discount_type": "amount", "currency": "USD"}, "value",
     "Enter a discount of at most 1,000,000."),
    ({"value": "101"}, "value", "A percent off can be at most 100."),
    ({"value": "12.345"}, "value", "Enter a percent with at most 2 decimals, e.g. 12.5."),
    ({"discount_type": "amount", "value": "20"}, "currency", "Choose the currency of the amount off."),
    ({"discount_type": "amount", "value": "20.5", "currency": "JPY"}, "value", "JPY has no decimals."),
    ({"discount_type": "amount", "value": "100.50", "currency": "HUF"}, "value",
     "Payments in HUF are taken in whole units only: enter an amount without decimals."),
    ({"discount_type": "amount", "value": "1.005", "currency": "KWD"}, "value",
     "Payments in KWD are taken in steps of 0.010 KWD: enter an amount whose last decimal is 0."),
    ({"value": ""}, "value", "Enter the discount, e.g. 10 or 20.00."),
    ({"code": ""}, "code", "Enter a code, e.g. WELCOME10."),
    ({"code": "WELCOME!"}, "code", "Use 3 to 40 letters, digits, - or _ (no spaces), e.g. WELCOME10."),
    ({"code": "AB"}, "code", "Use 3 to 40 letters, digits, - or _ (no spaces), e.g. WELCOME10."),
    ({"applies_to": "chosen"}, "packages", "Choose at least one package or paid session, or apply it to everything you sell."),
    ({"valid_from": "2027-02-01", "valid_until": "2027-01-31"}, "valid_until",
     "Valid until must be on or after Valid from."),
    ({"valid_from": "31/02/2027"}, "valid_from", "Enter a date such as 2027-01-31."),
    ({"max_uses": "0"}, "max_uses", "Allow at least 1 use, or leave it empty for no limit."),
    ({"max_uses": "2.5"}, "max_uses", "Enter a whole number of uses, e.g. 50."),
    ({"discount_type": "half"}, "discount_type", "Choose percent off or amount off."),
])
def test_bad_input_is_refused_next_to_its_field_and_saves_nothing(owner_client, changes, field, message):
    response = owner_client.post(CREATE, valid(**changes))

    assert response.status_code == 200
    assert error_of(response.content.decode(), field) == message
    assert not PromoCode.objects.exists()


def test_a_code_the_owner_already_has_is_refused_in_any_case(owner_client, owner):
    PromoCode.objects.create(owner=owner, code="WELCOME10", value=Decimal("5"))

    html = owner_client.post(CREATE, valid(code="welcome10")).content.decode()

    assert error_of(html, "code") == "You already have a promo code WELCOME10."
    assert PromoCode.objects.count() == 1


def test_another_owners_package_cannot_be_chosen(owner_client, other_owner):
    theirs = make_package(other_owner)

    html = owner_client.post(CREATE, valid(applies_to="chosen", packages=[str(theirs.pk)])).content.decode()

    assert error_of(html, "packages") == "Choose among your packages."
    assert not PromoCode.objects.exists()


def test_editing_keeps_the_form_and_refuses_fewer_uses_than_already_made(owner_client, owner):
    package = make_package(owner, price=Decimal("100"))
    promo = PromoCode.objects.create(owner=owner, code="SPRING", value=Decimal("10"))
    for n in range(2):
        order_create(package=package, client_name="C", client_email=f"c{n}@example.com", promo_code="spring")
    url = reverse("promotions:edit", args=[promo.pk])

    page = owner_client.get(url).content.decode()
    refused = owner_client.post(url, valid(code="SPRING", max_uses="1")).content.decode()

    assert 'value="SPRING"' in page and 'value="10"' in page and "Used 2 times." in page
    assert error_of(refused, "max_uses") == "This code has been used 2 times: allow at least 2 uses."
    promo.refresh_from_db()
    assert promo.max_uses is None


def test_disable_enable_and_delete(owner_client, owner):
    promo = PromoCode.objects.create(owner=owner, code="SPRING", value=Decimal("10"))

    owner_client.post(reverse("promotions:disable", args=[promo.pk]))
    disabled = owner_client.get(LIST).content.decode()
    owner_client.post(reverse("promotions:enable", args=[promo.pk]))
    promo.refresh_from_db()
    enabled = promo.is_active
    owner_client.post(reverse("promotions:delete", args=[promo.pk]))

    assert "Disabled" in disabled and ">Enable</button>" in disabled and enabled
    promo.refresh_from_db()
    assert promo.deleted_at is not None
    assert reverse("promotions:edit", args=[promo.pk]) not in owner_client.get(LIST).content.decode()
    # The code is free again for a new one.
    owner_client.post(CREATE, valid(code="SPRING"))
    assert PromoCode.objects.visible().filter(owner=owner, code="SPRING").count() == 1


def test_below_the_team_plan_the_list_says_so_and_nothing_can_be_created(client, free_owner):
    client.force_login(free_owner)

    html = client.get(LIST).content.decode()
    response = client.post(CREATE, valid(), follow=True)

    assert "Promo codes are part of the Team plan" in html and f'href="{CREATE}"' not in html
    assert "Promo codes are part of the Team plan. Upgrade to create promo codes." in response.content.decode()
    assert not PromoCode.objects.exists()


def test_the_dashboard_nav_links_to_promo_codes(owner_client):
    html = owner_client.get(LIST).content.decode()

    assert f'<a href="{LIST}" aria-current="page">Promo Codes</a>' in html


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_takes_the_same_queries_for_1_or_12_codes(owner_client, owner, count, django_assert_num_queries):
    packages = [make_package(owner, name=f"Pack {n}") for n in range(3)]
    for n in range(count):
        promo = PromoCode.objects.create(owner=owner, code=f"CODE{n}", value=Decimal("10"), applies_to_all=False,
                                         max_uses=5)
        promo.packages.set(packages)
        order_create(package=packages[0], client_name="C", client_email=f"c{n}@example.com", promo_code=f"CODE{n}")

    # The session's user, the codes with their uses, their packages, their paid meeting types.
    with django_assert_num_queries(4):
        response = owner_client.get(LIST)

    assert response.content.decode().count("1 / 5") == count
