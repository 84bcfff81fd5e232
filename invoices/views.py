"""Settings › Invoices, and each invoice and credit note as a printable page and a PDF, reached by the
order's token (`/orders/<token>/invoices/<number>/`) or, for a paid single session, which has no order,
by its booking's token (`/bookings/<token>/invoices/<number>/`). The owner reaches them from their
order and payment pages by the same links."""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from invoices import selectors, services
from invoices.documents import PdfUnavailable, document_context, document_pdf, document_url, pdf_filename
from invoices.forms import InvoiceSettingsForm
from invoices.models import Invoice
from leadmonk.languages import use_page_language
from leadmonk.tokens import looks_like_token
from orders.gifts import gift_of
from orders.models import PackageOrder
from scheduling.models import Booking

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = ("business_name", "address", "tax_id", "tax_rate", "tax_name", "prices_include_tax", "number_prefix",
                   "footer")


@login_required
def invoice_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.invoice_settings_for(request.user)
    initial = {name: getattr(current, name) for name in SETTINGS_FIELDS}
    initial["next_number"] = initial["next_number_shown"] = services.next_invoice_number(request.user)
    form = InvoiceSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.invoice_settings_save(owner=request.user, **form.cleaned_data)
            except services.NumberGivenAlready as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, "Invoice settings saved. Invoices already issued keep their details.")
                return redirect("invoices:settings")
        messages.error(request, "Please correct the errors below. Nothing was saved.")
    return render(request, "invoices/settings.html", {"form": form, "section": "accounts"},
                  status=400 if request.method == "POST" else 200)


def _order_or_404(request: HttpRequest, token: str) -> PackageOrder:
    order = PackageOrder.objects.filter(token=token).first() if looks_like_token(token) else None
    if order is None:
        raise Http404
    use_page_language(order.owner)  # as the client's order page speaks
    if gift_of(order) is not None and request.user.pk != order.owner_id:
        # A gift's order link is the recipient's; the invoice (price, buyer) is the buyer's, who got
        # it with their receipt. Only the owner opens it here.
        raise Http404
    return order


def _booking_or_404(token: str) -> Booking:
    booking = Booking.objects.filter(token=token).first() if looks_like_token(token) else None
    if booking is None:
        raise Http404
    use_page_language(booking.owner)
    return booking


def _document_or_404(number: str, **scope):
    document = selectors.document_by_number(number=number, **scope)
    if document is None:
        raise Http404("No such invoice.")
    return document


def _page(request: HttpRequest, document, back_url: str) -> HttpResponse:
    return render(request, "invoices/document.html", {
        **document_context(document), "pdf_url": document_url(document, pdf=True), "back_url": back_url,
        "invoice_url": document_url(document.invoice) if not isinstance(document, Invoice) else "",
    })


def _pdf(request: HttpRequest, document) -> HttpResponse:
    try:
        pdf = document_pdf(document)
    except PdfUnavailable:
        logger.exception("cannot make the PDF of %s", document.number)
        return render(request, "invoices/pdf_unavailable.html", {"document": document,
                                                                 "page_url": document_url(document)}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(document)}"'
    return response


def order_document(request: HttpRequest, token: str, number: str) -> HttpResponse:
    document = _document_or_404(number, order=_order_or_404(request, token))
    return _page(request, document, back_url=reverse("order_details:detail", args=[token]))


def order_document_pdf(request: HttpRequest, token: str, number: str) -> HttpResponse:
    return _pdf(request, _document_or_404(number, order=_order_or_404(request, token)))


def booking_document(request: HttpRequest, token: str, number: str) -> HttpResponse:
    document = _document_or_404(number, booking=_booking_or_404(token))
    return _page(request, document, back_url=reverse("bookings:manage", args=[token]))


def booking_document_pdf(request: HttpRequest, token: str, number: str) -> HttpResponse:
    return _pdf(request, _document_or_404(number, booking=_booking_or_404(token)))
