"""Checkout, return and webhook endpoints of the payment providers."""
app_name = "payments"

urlpatterns: list = []
