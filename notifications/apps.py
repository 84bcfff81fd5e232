from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from notifications import (
            checks,  # noqa: F401  (registers the configuration warnings)
            receivers,  # noqa: F401  (connects the signal receivers)
        )
