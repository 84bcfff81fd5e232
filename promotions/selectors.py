"""Reads of promo codes for the owner's dashboard. Query counts stay constant."""
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from packages.models import Package
from promotions.models import PromoCode
from scheduling.models import MeetingType


def _packages_prefetch() -> Prefetch:
    return Prefetch("packages", queryset=Package.objects.order_by("name", "id"))


def promo_codes_for_owner(*, owner) -> QuerySet[PromoCode]:
    """The dashboard list: the owner's live codes with their uses (unreleased redemptions) and the
    packages they apply to. Two queries whatever the number of codes."""
    return (
        PromoCode.objects.visible()
        .filter(owner=owner)
        .annotate(uses=Count("redemptions", filter=Q(redemptions__released_at__isnull=True)))
        .prefetch_related(_packages_prefetch(), Prefetch("meeting_types", queryset=MeetingType.objects.order_by(
            "name", "id")))
        .order_by("code", "id")
    )


def promo_code_for_edit(*, owner, pk: int) -> PromoCode | None:
    """One live code of `owner` with its uses and packages, or None (deleted, someone else's)."""
    return promo_codes_for_owner(owner=owner).filter(pk=pk).first()


def promo_status(promo: PromoCode, *, today: date) -> str:
    """What the list says of a code (reads `uses` from promo_codes_for_owner)."""
    if not promo.is_active:
        return "Disabled"
    if promo.valid_from and today < promo.valid_from:
        return "Scheduled"
    if promo.valid_until and today > promo.valid_until:
        return "Expired"
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        return "Used up"
    return "Active"
