"""Demo data for local runs (`manage.py seed_demo`): the demo owner's promo code WELCOME10,
10 % off every package for new clients. Idempotent."""
from decimal import Decimal

from promotions.models import DiscountKind, PromoCode

DEMO_CODE = "WELCOME10"


def seed(owner) -> PromoCode:
    existing = PromoCode.objects.visible().filter(owner=owner, code=DEMO_CODE).first()
    if existing is not None:
        return existing
    return PromoCode.objects.create(
        owner=owner, code=DEMO_CODE, kind=DiscountKind.PERCENT, value=Decimal("10"), applies_to_all=True,
        new_clients_only=True,
    )
