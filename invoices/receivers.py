"""Invoices adds the list of an order's invoices and credit notes to the order pages (client and
owner), which orders sends as page sections (orders.signals), and answers what tax an owner charges
(scheduling.signals.tax_terms_for_owner: orders snapshot it, checkout adds it)."""
from zoneinfo import ZoneInfo

from django.dispatch import receiver
from django.utils import dateformat

from invoices.documents import document_url
from invoices.models import InvoiceSettings
from invoices.selectors import documents_for_order
from leadmonk.languages import date_formats
from leadmonk.money import format_money
from leadmonk.sections import render_to_section
from orders.gifts import gift_of
from orders.signals import order_page_sections, owner_order_page_parts
from scheduling.signals import tax_terms_for_owner
from scheduling.tax import DEFAULT_TAX_NAME, TaxTerms


def _documents_section(request, order) -> str:
    documents = documents_for_order(order)
    if not documents:
        return ""
    for document in documents:
        document.order = order  # the same row: no query per link
    return render_to_section(request, "invoices/_order_documents.html", {"documents": [
        {"document": document, "url": document_url(document), "pdf_url": document_url(document, pdf=True),
         # In the page's language, as every other date on the order page ("1. Dez 2026").
         "issued_on": dateformat.format(
             document.issued_at.astimezone(ZoneInfo(document.seller.get("timezone") or "UTC")),
             date_formats()["date"]),
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


@receiver(tax_terms_for_owner, dispatch_uid="invoices.tax_terms")
def tax_terms(*, owner, **_) -> TaxTerms | None:
    row = InvoiceSettings.objects.filter(owner=owner).only("tax_rate", "prices_include_tax", "tax_name").first()
    if row is None:
        return None
    return TaxTerms(rate=row.tax_rate, inclusive=row.prices_include_tax, name=row.tax_name or DEFAULT_TAX_NAME)
