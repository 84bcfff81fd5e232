from django.apps import AppConfig


class PackagesConfig(AppConfig):
    name = "packages"

    def ready(self) -> None:
        from packages import receivers  # noqa: F401  (connects the signal receivers)
