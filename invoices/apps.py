from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoices"
    verbose_name = "Invoices"

    def ready(self) -> None:
        from invoices import receivers  # noqa: F401 - connects the order page sections
        from invoices.models import CreditNote, Invoice, InvoiceSettings
        from leadmonk import content_version

        # The public package pages show the tax on top of a price ("plus 20 % VAT").
        content_version.watch(InvoiceSettings)
        # The owner's dashboard lists link a sale's invoice (content_version.ORDERS).
        content_version.watch(Invoice, kind=content_version.ORDERS)
        content_version.watch(CreditNote, kind=content_version.ORDERS)
