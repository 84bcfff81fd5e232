"""Reads of packages for pages. (Stub until the packages issue lands.)"""


def packages_for_owner_page(*, owner) -> list:
    """The packages listed on the owner's personal booking page (active, orderable), items prefetched."""
    return []
