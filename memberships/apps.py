from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "memberships"

    def ready(self) -> None:
        from memberships import receivers  # noqa: F401  (a paid membership order starts its membership)
