"""The owner's payments pages under /dashboard/payments/."""
from django.urls import path

from payments import dashboard_views as views
from payments.providers.paypal import views as paypal_views
from payments.providers.stripe import views as stripe_views

app_name = "payments_dashboard"

urlpatterns = [
    path("", views.payment_list, name="list"),
    path("export.csv", views.payment_export, name="export"),
    path("<int:pk>/", views.payment_detail, name="detail"),
    path("<int:pk>/refund/", views.payment_refund, name="refund"),
    path("<int:pk>/refunded-outside/", views.payment_mark_refunded_outside, name="mark_refunded_outside"),
    path("orders/new/", views.order_issue, name="order_issue"),
    path("orders/<int:order_pk>/refund/", views.order_refund, name="order_refund"),
    path("orders/<int:order_pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("connect/stripe/", stripe_views.connect, name="stripe_connect"),
    path("connect/stripe/return/", stripe_views.connect_return, name="stripe_connect_return"),
    path("connect/stripe/refresh/", stripe_views.connect_refresh, name="stripe_connect_refresh"),
    path("connect/paypal/", paypal_views.connect, name="paypal_connect"),
    path("disconnect/<str:provider>/", views.disconnect, name="disconnect"),
]
