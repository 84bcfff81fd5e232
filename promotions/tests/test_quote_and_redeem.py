"""The rules of a promo code for one purchase, as promotions.services answers them: every refusal
has its own words, and a refusal records nothing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.plans import Plan
from leadmonk.timezones import localize
from promotions.models import DiscountKind, PromoCode, PromoRedemption
from promotions.services import (
    PromoCodeRefused,
    discount_for,
    normalize_code,
    promo_quote,
    promo_redeem,
    promo_release,
)
from tests import make_package, race

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(owner):
    return make_package(owner, name="Pack", price=Decimal("240.00"))


def code(owner, **fields) -> PromoCode:
    fields.setdefault("code", "WELCOME10")
    fields.setdefault("value", Decimal("10"))
    packages = fields.pop("packages", None)
    promo = PromoCode.objects.create(owner=owner, **fields)
    if packages:
        promo.packages.set(packages)
    return promo


def quote(package, typed="WELCOME10", email="cleo@example.com", client_is_new=True, **kwargs):
    return promo_quote(owner_id=package.owner_id, code=typed, email=email, amount=package.price,
                       currency=package.currency, package_id=package.pk, client_is_new=client_is_new, **kwargs)


def redeem(package, reference, typed="WELCOME10", email="cleo@example.com", client_is_new=True):
    with transaction.atomic():
        return promo_redeem(owner_id=package.owner_id, code=typed, email=email, amount=package.price,
                            currency=package.currency, package_id=package.pk, reference=reference,
                            client_is_new=client_is_new)


def refusal(call) -> str:
    with pytest.raises(PromoCodeRefused) as refused:
        call()
    return refused.value.message


def test_ten_percent_off_240_usd_is_24_and_the_total_216(owner, package):
    code(owner)

    result = quote(package)

    assert (result.code, result.discount, result.total) == ("WELCOME10", Decimal("24.00"), Decimal("216.00"))
    assert result.total_label == "216.00 USD"


@pytest.mark.parametrize("typed", ["welcome10", " WELCOME10 ", "Welcome 10", "\twelcome10\n"])
def test_a_code_typed_in_lower_case_or_with_spaces_is_the_same_code(owner, package, typed):
    code(owner)

    assert quote(package, typed=typed).code == "WELCOME10"
    assert normalize_code(typed) == "WELCOME10"


def test_percent_off_is_rounded_once_to_the_currency(owner):
    promo = code(owner, value=Decimal("12.5"))

    assert discount_for(promo, amount=Decimal("9.99"), currency="USD") == Decimal("1.25")  # 1.24875
    assert discount_for(promo, amount=Decimal("1999"), currency="JPY") == Decimal("250")  # 249.875
    assert discount_for(promo, amount=Decimal("1.999"), currency="BHD") == Decimal("0.250")


def test_percent_off_leaves_a_total_the_providers_can_charge(owner):
    """10% off 15,001 HUF is 1,500 (not 1,500.10): Stripe and PayPal take whole forints only; 10% off
    12.340 KWD is 1.230 (Stripe takes dinars in steps of 0.010)."""
    promo = code(owner, value=Decimal("10"))

    assert discount_for(promo, amount=Decimal("15001"), currency="HUF") == Decimal("1500.00")
    assert discount_for(promo, amount=Decimal("12.340"), currency="KWD") == Decimal("1.230")


def test_an_amount_off_never_takes_the_total_below_zero(owner, package):
    code(owner, kind=DiscountKind.AMOUNT, value=Decimal("500"), currency="USD")

    result = quote(package)

    assert (result.discount, result.total) == (Decimal("240.00"), Decimal("0.00"))


def test_an_unknown_or_deleted_or_other_owners_code_is_not_valid(owner, other_owner, package):
    code(other_owner, code="OTHER")
    code(owner, code="GONE", deleted_at=timezone.now())

    assert refusal(lambda: quote(package, typed="nope")) == "“NOPE” is not a valid promo code."
    assert refusal(lambda: quote(package, typed="OTHER")) == "“OTHER” is not a valid promo code."
    assert refusal(lambda: quote(package, typed="gone")) == "“GONE” is not a valid promo code."


def test_a_disabled_code_is_not_valid(owner, package):
    code(owner, is_active=False)

    assert refusal(lambda: quote(package)) == "“WELCOME10” is not a valid promo code."


def test_an_expired_code_says_when_it_expired(owner, package):
    yesterday = localize(timezone.now(), owner.timezone).date() - timedelta(days=1)
    code(owner, valid_until=yesterday)

    assert refusal(lambda: quote(package)) == f"This promo code expired on {yesterday:%-d %b %Y}."


def test_a_code_not_valid_yet_says_from_when(owner, package):
    later = timezone.now().date() + timedelta(days=3)
    code(owner, valid_from=later)

    assert refusal(lambda: quote(package)) == f"This promo code is valid from {later:%-d %b %Y}."


def test_the_last_day_of_a_code_counts_in_the_owners_time_zone(package):
    owner = package.owner
    owner_today = localize(timezone.now(), owner.timezone).date()
    code(owner, valid_from=owner_today, valid_until=owner_today)

    assert quote(package).discount == Decimal("24.00")


def test_a_code_for_other_packages_does_not_apply_to_this_one(owner, package):
    other = make_package(owner, name="Other pack")
    code(owner, applies_to_all=False, packages=[other])

    assert refusal(lambda: quote(package)) == "This promo code does not apply to this package."
    assert quote(other).code == "WELCOME10"


def test_an_amount_off_in_another_currency_does_not_apply(owner, package):
    code(owner, kind=DiscountKind.AMOUNT, value=Decimal("20"), currency="EUR")

    assert refusal(lambda: quote(package)) == "This promo code is for prices in EUR; this package costs USD."


def test_a_used_up_code_is_refused_and_a_released_use_comes_back(owner, package):
    code(owner, max_uses=1)
    redeem(package, "order:1")

    assert refusal(lambda: quote(package, email="dan@example.com")) == "This promo code has been used up."
    promo_release(reference="order:1")
    assert quote(package, email="dan@example.com").code == "WELCOME10"


def test_once_per_client_counts_by_normalised_email(owner, package):
    code(owner, once_per_client=True)
    redeem(package, "order:1", email="cleo@example.com")

    message = refusal(lambda: quote(package, email=" Cleo@Example.COM "))

    assert message == "You have already used this promo code."
    assert quote(package, email="dan@example.com").code == "WELCOME10"


def test_new_clients_only_refuses_a_client_who_has_paid_before(owner, package):
    code(owner, new_clients_only=True)

    assert refusal(lambda: quote(package, client_is_new=False)) == "This promo code is for new clients only."
    assert quote(package, client_is_new=True).code == "WELCOME10"
    assert quote(package, email="", client_is_new=None).code == "WELCOME10"  # checked again at the order


def test_a_free_package_needs_no_code(owner):
    free = make_package(owner, price=Decimal("0"))
    code(owner)

    assert refusal(lambda: quote(free)) == "This package is free: no promo code is needed."


def test_an_owner_below_the_team_plan_has_no_valid_codes(package):
    owner = package.owner
    code(owner)
    owner.plan = Plan.PRO
    owner.save(update_fields=["plan"])

    assert refusal(lambda: quote(package)) == "“WELCOME10” is not a valid promo code."


def test_a_refused_redemption_records_nothing(owner, package):
    code(owner, new_clients_only=True)

    assert refusal(lambda: redeem(package, "order:1", client_is_new=False))
    assert PromoRedemption.objects.count() == 0


def test_redeem_records_the_use_and_release_gives_it_back_once(owner, package):
    promo = code(owner)

    redeem(package, "order:7")
    first, second = promo_release(reference="order:7"), promo_release(reference="order:7")

    redemption = PromoRedemption.objects.get()
    assert (redemption.promo_code, redemption.discount, redemption.client_email) == (
        promo, Decimal("24.00"), "cleo@example.com")
    assert redemption.released_at is not None and (first, second) == (1, 0)


def test_a_code_can_name_paid_meeting_types_for_single_sessions(owner, package):
    """The model and services take a meeting type (the paid session checkout passes it)."""
    meeting_type = package.items.get().meeting_type
    promo = code(owner, applies_to_all=False)
    promo.meeting_types.set([meeting_type])

    result = promo_quote(owner_id=owner.pk, code="welcome10", email="c@example.com", amount=Decimal("50"),
                         currency="USD", meeting_type_id=meeting_type.pk, client_is_new=True)

    assert result.total == Decimal("45.00")
    assert refusal(lambda: quote(package)) == "This promo code does not apply to this package."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_redemptions_of_a_code_with_five_uses_left_make_five(owner, package):
    """The code's own row lock keeps the count, with no other lock held (as a paid-session flow
    would call it): order_create also takes the owner's and the package's locks."""
    code(owner, max_uses=5)

    done, refusals = race(20, lambda n: redeem(package, f"booking:{n}", email=f"c{n}@example.com"),
                          PromoCodeRefused)

    assert (done, refusals) == (5, ["This promo code has been used up."] * 15)
    assert PromoRedemption.objects.filter(released_at__isnull=True).count() == 5
