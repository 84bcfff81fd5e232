"""Writes for owner accounts."""
from django.db import transaction
from django.utils.text import slugify

from accounts.models import RESERVED_SLUGS, User
from accounts.plans import Plan
from accounts.signals import owner_signed_up


def _free_slug(base: str) -> str:
    base = slugify(base)[:50].strip("-") or "owner"
    if base in RESERVED_SLUGS:
        base = f"{base}-1"
    candidate, counter = base, 1
    while User.objects.filter(slug=candidate).exists():
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate


@transaction.atomic
def owner_signup(*, email: str, password: str, display_name: str, timezone: str = "UTC") -> User:
    """Create an owner on the Free plan with a booking link made from their name, and tell the
    other apps (scheduling gives them working hours) within the same transaction."""
    owner = User.objects.create_user(
        email=email, password=password, display_name=display_name,
        slug=_free_slug(display_name or email.split("@")[0]), timezone=timezone, plan=Plan.FREE,
    )
    owner_signed_up.send(sender=User, owner=owner)
    return owner


def owner_set_plan(*, owner: User, plan: str) -> User:
    """Staff set the plan by hand (set_plan, admin): Stripe does not overwrite it (billing_services)."""
    from accounts.billing_services import owner_set_plan_by_staff

    updated = owner_set_plan_by_staff(owner_id=owner.pk, plan=plan)
    owner.plan, owner.plan_grace_until = updated.plan, updated.plan_grace_until
    return owner
