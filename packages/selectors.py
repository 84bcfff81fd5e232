"""Reads of packages: the owner's dashboard list, the personal booking page section, and the
questions the orders app asks ("can this package be ordered?"). Query counts stay constant."""
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.plans import plan_includes_packages
from packages.models import InviteeQuestion, Package, PackageItem, PackageRetiredToken, PackageState
from scheduling.models import MeetingType, bookable_q


def _items_prefetch() -> Prefetch:
    return Prefetch("items", queryset=PackageItem.objects.select_related("meeting_type").order_by("position", "id"))


def _questions_prefetch() -> Prefetch:
    return Prefetch("questions", queryset=InviteeQuestion.objects.order_by("position", "id"))


def package_list_for_owner(*, owner) -> QuerySet[Package]:
    """The dashboard list: every live (not deleted) package of the owner, with its meeting types
    and the number of orders placed. Three queries whatever the number of packages."""
    return (
        Package.objects.for_owner(owner)
        .visible()
        .annotate(order_count=Count("orders", distinct=True))
        .prefetch_related(_items_prefetch())
        .order_by("-created_at", "-id")
    )


def package_for_edit(*, owner, pk: int) -> Package | None:
    """One live package of `owner` with its items and questions, or None (deleted, someone else's)."""
    return (
        Package.objects.for_owner(owner)
        .visible()
        .prefetch_related(_items_prefetch(), _questions_prefetch())
        .filter(pk=pk)
        .first()
    )


def meeting_types_for_package_form(*, owner, include_ids=()) -> QuerySet[MeetingType]:
    """The meeting types an owner can put in a package: their active 1:1 and Group meeting types,
    plus those already in the package (so an edit never drops a row whose meeting type was
    disabled since; adding a new one still needs it active)."""
    queryset = MeetingType.objects.for_owner(owner)
    if include_ids:
        return queryset.filter(bookable_q() | Q(pk__in=list(include_ids)))
    return queryset.active()


def package_is_orderable(package: Package) -> bool:
    """True when a client can order `package` now: it is active, its owner's plan includes
    packages, and at least one of its meeting types is active.

    Uses `package.owner` and `package.items` (prefetch them with the meeting types to avoid queries).
    """
    if package.state != PackageState.ACTIVE:
        return False
    if not plan_includes_packages(package.owner.plan):
        return False
    return any(item.meeting_type.is_bookable for item in package.items.all())


def get_package_by_slug(*, owner, slug: str) -> Package | None:
    """The package at /<owner-slug>/packages/<slug>/ whatever its state (None if there never was
    one), items and meeting types prefetched, owner joined. A live package wins over deleted ones
    that once had the same slug. The order page uses it to tell "not found" (None) from
    "disabled or deleted" (`not package_is_orderable(package)`)."""
    candidates = (
        Package.objects.for_owner(owner)
        .filter(slug=slug)
        .select_related("owner")
        .prefetch_related(_items_prefetch(), _questions_prefetch())
    )
    packages = list(candidates)
    if not packages:
        return None
    live = [package for package in packages if package.state != PackageState.DELETED]
    return (live or sorted(packages, key=lambda package: (package.created_at, package.pk)))[-1]


def get_package_by_private_token(*, owner, token: str) -> tuple[Package | None, bool]:
    """The package at /<owner-slug>/packages/p/<token>/ (whatever its state or listing) prefetched
    as get_package_by_slug's, and whether `token` is an old link replaced by "Regenerate link"
    ((None, True): the offer has moved; (None, False): no such link of this owner)."""
    package = (
        Package.objects.for_owner(owner)
        .filter(private_token=token)
        .select_related("owner")
        .prefetch_related(_items_prefetch(), _questions_prefetch())
        .first()
    )
    if package is not None:
        return package, False
    return None, PackageRetiredToken.objects.filter(package__owner=owner, token=token).exists()


def packages_for_owner_page(*, owner) -> list[Package]:
    """The packages listed on the owner's personal booking page: listed, active and orderable ones, items
    with meeting types prefetched (two queries; none when the plan has no packages)."""
    if not plan_includes_packages(owner.plan):
        return []
    packages = list(
        Package.objects.for_owner(owner)
        .filter(state=PackageState.ACTIVE, listed=True)  # unlisted: ordered through its private link only
        .prefetch_related(_items_prefetch())
        .order_by("-created_at", "-id")
    )
    for package in packages:
        package.owner = owner  # already loaded; saves a query per package in package_is_orderable
        # The card lists what an order would get: order_create sells only active meeting types.
        package.sold_items = [
            item for item in package.items.all() if item.meeting_type.is_bookable
        ]
    return [package for package in packages if package_is_orderable(package)]
