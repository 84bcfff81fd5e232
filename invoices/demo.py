"""Demo data of invoices for `manage.py seed_demo`: the demo owner's billing details (Settings ›
Invoices), so the demo payment's invoice has a business name, a tax id and tax. Runs before
orders.demo places the demo order (which keeps the tax it was placed with).
Idempotent: saved details are left as they are."""
from decimal import Decimal

from invoices.models import InvoiceSettings


def seed(owner) -> InvoiceSettings:
    settings_row, _ = InvoiceSettings.objects.get_or_create(owner=owner, defaults={
        "business_name": "Dana Demo Coaching LLC",
        "address": "100 Demo Street\nNew York, NY 10001\nUnited States",
        "tax_id": "EIN 12-3456789",
        "tax_rate": Decimal("8.88"),
        "prices_include_tax": True,
        "number_prefix": "DEMO-",
        "footer": "Thank you! Questions about this invoice: demo@example.com",
    })
    return settings_row
