"""Packages adds its section to scheduling's personal booking page (scheduling never imports it)."""
from django.dispatch import receiver

from leadmonk.sections import render_to_section
from packages.selectors import packages_for_owner_page
from scheduling.signals import owner_page_sections


@receiver(owner_page_sections, dispatch_uid="packages.owner_page")
def owner_page_packages(*, request, owner, **_) -> str:
    """The packages a client can order, on /<owner-slug>/ (two queries; none below the Team plan)."""
    packages = packages_for_owner_page(owner=owner)
    if not packages:
        return ""
    return render_to_section(request, "packages/_owner_page_packages.html", {"packages": packages, "owner": owner})
