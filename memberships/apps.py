from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "memberships"

    def ready(self) -> None:
        from leadmonk.content_version import ORDERS, owner_through, watch
        from memberships import receivers  # noqa: F401  (a paid membership order starts its membership)
        from memberships.models import MembershipPeriod, PackageMembership

        # The owner's dashboard lists show a membership's state (leadmonk.content_version.ORDERS).
        watch(PackageMembership, kind=ORDERS)
        watch(MembershipPeriod, kind=ORDERS, owner_of=owner_through("membership"))
