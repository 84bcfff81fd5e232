"""Packages adds its sections to scheduling's pages (scheduling never imports it): the personal booking
page, and the page of a Package only meeting type."""
from django.dispatch import receiver
from django.urls import reverse

from leadmonk.sections import render_to_section
from packages.models import Package, PackageState
from packages.selectors import packages_for_owner_page
from scheduling.setup import SetupStep
from scheduling.signals import owner_page_sections, package_only_sections, setup_steps


@receiver(owner_page_sections, dispatch_uid="packages.owner_page")
def owner_page_packages(*, request, owner, **_) -> str:
    """The packages a client can order, on /<owner-slug>/ (two queries; none below the Team plan)."""
    packages = packages_for_owner_page(owner=owner)
    if not packages:
        return ""
    return render_to_section(request, "packages/_owner_page_packages.html", {"packages": packages, "owner": owner})


@receiver(package_only_sections, dispatch_uid="packages.package_only")
def package_only_packages(*, request, owner, meeting_type, **_) -> str:
    """The packages on sale that include a Package only meeting type, on its own address."""
    packages = [
        package for package in packages_for_owner_page(owner=owner)
        if any(item.meeting_type_id == meeting_type.pk for item in package.sold_items)
    ]
    if not packages:
        return ""
    return render_to_section(request, "packages/_owner_page_packages.html", {"packages": packages, "owner": owner})


@receiver(setup_steps, dispatch_uid="packages.setup_step")
def packages_setup_step(*, owner, **_) -> list[SetupStep]:
    """The checklist's "Create a first package" (one query), on the plans that sell packages."""
    if not owner.has_packages:
        return []
    return [SetupStep(
        order=50, key="package", label="Put a first package on sale",
        done=Package.objects.filter(owner=owner, state=PackageState.ACTIVE).exists(),
        url=reverse("packages:create"), action="New package",
        hint="Ticked once its payment preferences are saved and it is on sale.",
    )]
