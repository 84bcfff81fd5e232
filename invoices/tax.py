"""Tax on an amount, inclusive or exclusive: the arithmetic lives in leadmonk.money (checkout, the
order pages and invoices all use it); this name stays for the invoices app's readers."""
from leadmonk.money import TaxBreakdown, tax_breakdown

__all__ = ["TaxBreakdown", "tax_breakdown"]
