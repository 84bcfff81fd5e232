from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoices"
    verbose_name = "Invoices"

    def ready(self) -> None:
        from invoices import receivers  # noqa: F401 - connects the order page sections
