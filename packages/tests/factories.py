"""Test factories for packages: `make_package(owner, items=[(meeting_type, qty)], **fields)`.

Other apps' tests (orders) import these; keep the signatures stable.
"""
import itertools
from decimal import Decimal

from django.utils.text import slugify

from packages.models import Package, PackageItem, PackageState, PaymentMedium
from scheduling.tests.factories import make_meeting_type  # noqa: F401  (re-exported for callers)

_counter = itertools.count(1)


def make_package(owner, items=None, **fields) -> Package:
    """A package of `owner` with `items` = [(meeting_type, quantity), ...].

    Without items it gets one fresh 1:1 meeting type ×1. Defaults: 100.00 USD, Stripe, active.
    """
    n = next(_counter)
    fields.setdefault("name", f"Package {n}")
    fields.setdefault("slug", f"{slugify(fields['name'])[:60] or 'package'}-{n}")
    fields.setdefault("price", Decimal("100.00"))
    fields.setdefault("currency", "USD")
    fields.setdefault("payment_medium", PaymentMedium.STRIPE if fields["price"] > 0 else "")
    fields.setdefault("state", PackageState.ACTIVE)
    package = Package.objects.create(owner=owner, **fields)
    if items is None:
        items = [(make_meeting_type(owner), 1)]
    PackageItem.objects.bulk_create(
        PackageItem(package=package, meeting_type=meeting_type, quantity=quantity, position=position)
        for position, (meeting_type, quantity) in enumerate(items)
    )
    return package
