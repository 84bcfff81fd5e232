"""Checkout, return and webhook endpoints of the payment providers."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from payments import booking_views, views
from payments.providers.paypal import views as paypal_views
from payments.providers.sandbox import views as test_views
from payments.providers.stripe import views as stripe_views

app_name = "payments"

urlpatterns = [
    path("checkout/<token:order_token>/", views.checkout, name="checkout"),
    path("session/<token:booking_token>/", booking_views.session_checkout, name="session_checkout"),
    path("return/<token:token>/", views.payment_return, name="return"),
    path("test/<token:token>/", test_views.checkout, name="test_checkout"),
    path("stripe/webhook/", stripe_views.webhook, name="stripe_webhook"),
    path("paypal/webhook/", paypal_views.webhook, name="paypal_webhook"),
]
