"""Invoices adds the list of an order's invoices and credit notes to the order pages (client and
owner), which orders sends as page sections (orders.signals)."""
from zoneinfo import ZoneInfo

from django.dispatch import receiver

from invoices.documents import document_url
from invoices.selectors import documents_for_order
from leadmonk.money import format_money
from leadmonk.sections import render_to_section
from orders.gifts import gift_of
from orders.signals import order_page_sections, owner_order_page_parts


def _documents_section(request, order) -> str:
    documents = documents_for_order(order)
    if not documents:
        return ""
    for document in documents:
        document.order = order  # the same row: no query per link
    return render_to_section(request, "invoices/_order_documents.html", {"documents": [
        {"document": document, "url": document_url(document), "pdf_url": document_url(document, pdf=True),
         "issued_on": document.issued_at.astimezone(ZoneInfo(document.seller.get("timezone") or "UTC"))
         .strftime("%-d %b %Y"),
         "total": ("−" if document.kind_label != "Invoice" else "") + format_money(document.total, document.currency)}
        for document in documents
    ]})


@receiver(order_page_sections, dispatch_uid="invoices.order_page")
def order_page_documents(*, request, order, **_) -> str:
    # A gift's recipient holds this page: the invoice is the buyer's (it went with their receipt).
    if gift_of(order) is not None:
        return ""
    return _documents_section(request, order)


@receiver(owner_order_page_parts, dispatch_uid="invoices.owner_order_page")
def owner_order_page_documents(*, request, order, **_) -> dict:
    return {"invoices": _documents_section(request, order)}
