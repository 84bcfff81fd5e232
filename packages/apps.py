from django.apps import AppConfig


class PackagesConfig(AppConfig):
    name = "packages"

    def ready(self) -> None:
        from leadmonk import content_version
        from packages import receivers  # noqa: F401  (connects the signal receivers)
        from packages.models import InviteeQuestion, Package, PackageItem

        def package_owner(row) -> int | None:
            return Package.objects.filter(pk=row.package_id).values_list("owner_id", flat=True).first()

        # The packages on the personal booking page and the order page (leadmonk.content_version).
        content_version.watch(Package)
        content_version.watch(PackageItem, owner_of=package_owner)
        content_version.watch(InviteeQuestion, owner_of=package_owner)
