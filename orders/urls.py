"""Dashboard pages of orders (login required; every lookup scoped to the owner)."""
from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("export.csv", views.order_export, name="export"),
    path("ledger.csv", views.ledger_export, name="ledger_export"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/items/<int:item_id>/book/", views.order_book, name="book"),
    path("<int:pk>/bookings/<int:booking_id>/reschedule/", views.order_booking_reschedule, name="booking_reschedule"),
    path("<int:pk>/bookings/<int:booking_id>/cancel/", views.order_booking_cancel, name="booking_cancel"),
    path("<int:pk>/bookings/<int:booking_id>/attendance/", views.order_booking_attendance, name="booking_attendance"),
    path("<int:pk>/bookings/<int:booking_id>/return-credit/", views.order_booking_return_credit,
         name="booking_return_credit"),
    path("<int:pk>/credits/adjust/", views.order_credit_adjust, name="credit_adjust"),
    path("<int:pk>/extend/", views.order_extend_view, name="extend"),
    path("<int:pk>/resend-confirmation/", views.order_resend_confirmation, name="resend_confirmation"),
    path("<int:pk>/cancel/", views.order_cancel_view, name="cancel"),
]
