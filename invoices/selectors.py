"""Reads of invoices and credit notes: an owner's settings, the documents of an order or a paid
session, one document by its number (always within the order or booking it belongs to)."""
from django.db.models import Q

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


def documents_of(*, orders=(), bookings=()) -> list:
    """The invoices and credit notes of these orders and paid sessions, newest first, each with its
    order or booking set to the row given (document_url reads it: no query per link). One query, two
    when any of them has an invoice; none for no orders and no sessions."""
    orders_by_id, bookings_by_id = {order.pk: order for order in orders}, {booking.pk: booking for booking in bookings}
    if not orders_by_id and not bookings_by_id:
        return []
    scope = Q(order_id__in=list(orders_by_id)) | Q(booking_id__in=list(bookings_by_id))
    documents = list(Invoice.objects.filter(scope))
    if documents:
        documents += list(CreditNote.objects.filter(scope))
    for document in documents:
        if document.order_id is not None:
            document.order = orders_by_id[document.order_id]
        else:
            document.booking = bookings_by_id[document.booking_id]
    # Newest first; a credit note issued in the same instant as its invoice comes before it.
    return sorted(documents, key=lambda document: (document.issued_at, isinstance(document, CreditNote),
                                                   document.sequence), reverse=True)


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


def order_refund_credit_note(order, *, issued_by=None) -> CreditNote | None:
    """The credit note of the refund that refunded `order` in full: the newest of its notes issued
    by `issued_by` (the moment the client's email was written), so an email sent late never takes a
    note of a later refund. Notes of earlier part refunds went with their own emails."""
    notes = CreditNote.objects.filter(order=order)
    if issued_by is not None:
        notes = notes.filter(issued_at__lte=issued_by)
    return notes.order_by("-sequence").first()


def credit_notes_for_booking(booking) -> list[CreditNote]:
    return list(CreditNote.objects.filter(booking=booking).order_by("sequence"))
