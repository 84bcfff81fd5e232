"""Reads of invoices and credit notes: an owner's settings, the documents of an order or a paid
session, one document by its number (always within the order or booking it belongs to)."""
from invoices.models import CreditNote, Invoice, InvoiceSettings


def invoice_settings_for(owner) -> InvoiceSettings:
    """The owner's saved settings, or the defaults (not saved) when they never saved any."""
    found = InvoiceSettings.objects.filter(owner=owner).first()
    return found if found is not None else InvoiceSettings(owner=owner)


def documents_for_order(order) -> list:
    """The invoices and credit notes of `order`, oldest first (one query; two when it has invoices)."""
    invoices = list(Invoice.objects.filter(order=order).order_by("issued_at", "sequence"))
    notes = list(CreditNote.objects.filter(order=order).order_by("issued_at", "sequence")) if invoices else []
    return sorted(invoices + notes, key=lambda document: (document.issued_at, document.kind_label))


def documents_for_booking(booking) -> list:
    invoices = list(Invoice.objects.filter(booking=booking).order_by("issued_at", "sequence"))
    notes = list(CreditNote.objects.filter(booking=booking).order_by("issued_at", "sequence"))
    return sorted(invoices + notes, key=lambda document: (document.issued_at, document.kind_label))


def document_by_number(*, number: str, order=None, booking=None) -> Invoice | CreditNote | None:
    """The invoice or credit note numbered `number` of this order (or paid session), else None:
    a number of another order, or of another owner, is not found through this one's token."""
    scope = {"order": order} if order is not None else {"booking": booking}
    return (Invoice.objects.filter(number=number, **scope).first()
            or CreditNote.objects.filter(number=number, **scope).first())


def invoices_for_order(order) -> list[Invoice]:
    return list(Invoice.objects.filter(order=order).order_by("sequence"))


def invoices_for_payment(payment_id: int | None) -> list[Invoice]:
    return list(Invoice.objects.filter(payment_id=payment_id)) if payment_id else []


def invoices_for_booking(booking) -> list[Invoice]:
    return list(Invoice.objects.filter(booking=booking).order_by("sequence"))


def credit_notes_for_order(order) -> list[CreditNote]:
    return list(CreditNote.objects.filter(order=order).order_by("sequence"))


def credit_notes_for_booking(booking) -> list[CreditNote]:
    return list(CreditNote.objects.filter(booking=booking).order_by("sequence"))
