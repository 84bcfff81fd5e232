from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Client portal"

    def ready(self) -> None:
        from portal import (
            checks,  # noqa: F401  (registers the check for an owner holding the slug "my")
            receivers,  # noqa: F401  (an erased client's sign-in links and emails)
        )
