"""Invoices and credit notes under the token of what they were paid for. A number never holds a
slash (the settings form refuses one in the prefix), so <str:number> takes it whole."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from invoices import views

app_name = "invoice_documents"

urlpatterns = [
    path("orders/<token:token>/invoices/<str:number>/", views.order_document, name="order"),
    path("orders/<token:token>/invoices/<str:number>/pdf/", views.order_document_pdf, name="order_pdf"),
    # A paid single session has no order: its documents hang off the booking's own token.
    path("bookings/<token:token>/invoices/<str:number>/", views.booking_document, name="booking"),
    path("bookings/<token:token>/invoices/<str:number>/pdf/", views.booking_document_pdf, name="booking_pdf"),
]
