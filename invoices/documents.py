"""An invoice or credit note as a page and as a PDF, both from the stored snapshot (never from the
order or the settings as they are now). The PDF is made by WeasyPrint from the same template as the
printable page, with the same stylesheet; it is made when asked for (the page's PDF link,
the email at send time), not stored (the last few are kept in memory: `_pdf_of`)."""
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import dateformat

from invoices.models import CreditNote, Invoice
from leadmonk.languages import date_formats
from leadmonk.money import format_money, percent_label

STYLESHEET = "css/invoices.css"


def document_context(document: Invoice | CreditNote) -> dict:
    """What the template shows: amounts formatted in the document's currency, dates in the owner's
    zone as it was at issue."""
    currency = document.currency
    zone = ZoneInfo(document.seller.get("timezone") or "UTC")
    money = lambda amount: format_money(amount, currency)  # noqa: E731
    is_invoice = isinstance(document, Invoice)
    context = {
        "document": document,
        "is_invoice": is_invoice,
        "title": f"{document.kind_label} {document.number}",
        "issued_on": dateformat.format(document.issued_at.astimezone(zone), date_formats()["day_month_year"]),
        "seller": document.seller,
        "buyer": document.buyer,
        "net": money(document.net),
        "tax": money(document.tax),
        "total": money(document.total),
        "tax_rate": percent_label(document.tax_rate),
    }
    if is_invoice:
        context.update({
            "lines": [{**line, "amount": money(Decimal(line["amount"]))}
                      for line in document.lines],
            "subtotal": money(document.subtotal),
            "discount": money(document.discount) if document.discount else "",
            "amount_paid": money(document.amount_paid),
            "amount_due": money(document.amount_due) if document.amount_due else "",
            "paid_on": dateformat.format(document.paid_at.astimezone(zone), date_formats()["day_month_year"]),
        })
    else:
        context["invoice"] = document.invoice
    return context


def inline_stylesheet() -> str:
    path = finders.find(STYLESHEET)
    with open(path, encoding="utf-8") as css:
        return css.read()


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it loads (Pango) are missing on this server."""


def _weasyprint():
    import weasyprint  # imported here: loading Pango costs time that only PDFs need

    return weasyprint


def document_pdf(document: Invoice | CreditNote) -> bytes:
    """The document as a PDF (WeasyPrint needs Pango: see README, "Invoices"). Raises
    PdfUnavailable when this server cannot make PDFs."""
    try:
        weasyprint = _weasyprint()
    except (ImportError, OSError) as error:  # OSError: a shared library (Pango) that cannot be loaded
        raise PdfUnavailable(str(error)) from error
    html = render_to_string("invoices/document_pdf.html", document_context(document))
    return _pdf_of(weasyprint, html, inline_stylesheet())


# A PDF costs WeasyPrint about 0.1-1 CPU-second; the page it is made from costs a millisecond. The
# same document is often asked for again (the client opens the emailed PDF's link, reloads it, the
# owner opens it too): the last few PDFs are kept per process, keyed by the HTML and stylesheet
# they are made from, so the same text is laid out once and a changed one never meets an old PDF.
PDF_CACHE_SIZE = 32


@lru_cache(maxsize=PDF_CACHE_SIZE)
def _pdf_of(weasyprint, html: str, stylesheet: str) -> bytes:
    # The page's own stylesheet, handed over directly (no inline <style>: tests/test_security.py).
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=stylesheet)])


def pdf_filename(document: Invoice | CreditNote) -> str:
    return f"{document.number}.pdf"


def document_url(document: Invoice | CreditNote, *, pdf: bool = False) -> str:
    """The page (or PDF) of `document`, under its order's token or its paid session's booking token.
    Reads `order` / `booking` (select_related them in lists)."""
    from django.urls import reverse

    if document.order_id is not None:
        return reverse("invoice_documents:order_pdf" if pdf else "invoice_documents:order",
                       args=[document.order.token, document.number])
    return reverse("invoice_documents:booking_pdf" if pdf else "invoice_documents:booking",
                   args=[document.booking.token, document.number])
