"""seed_demo's promo code: WELCOME10, 10 % off every package for new clients, created once."""
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import User
from promotions.models import DiscountKind, PromoCode

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_demo_owner_welcome10_once(settings):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    owner = User.objects.get(email="demo@example.com")
    promo = PromoCode.objects.get(owner=owner)
    assert (promo.code, promo.kind, promo.value, promo.applies_to_all, promo.new_clients_only) == (
        "WELCOME10", DiscountKind.PERCENT, Decimal("10"), True, True)
    assert promo.is_active and promo.max_uses is None
