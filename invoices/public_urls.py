"""Invoices and credit notes under the token of what they were paid for. A number holds letters,
digits, dots, dashes and underscores only (the settings form refuses anything else in the prefix),
so <docnumber:number> takes it whole and sends anything else to a 404 before the database."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...> and <docnumber:...>)
from invoices import views

app_name = "invoice_documents"

urlpatterns = [
    path("orders/<token:token>/invoices/<docnumber:number>/", views.order_document, name="order"),
    path("orders/<token:token>/invoices/<docnumber:number>/pdf/", views.order_document_pdf, name="order_pdf"),
    # A paid single session has no order: its documents hang off the booking's own token.
    path("bookings/<token:token>/invoices/<docnumber:number>/", views.booking_document, name="booking"),
    path("bookings/<token:token>/invoices/<docnumber:number>/pdf/", views.booking_document_pdf, name="booking_pdf"),
]
