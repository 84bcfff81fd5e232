"""The client's order details page, reached by the order's token."""
from django.urls import path

from leadmonk.placeholder import public_not_found

app_name = "order_details"

urlpatterns = [
    path("<str:token>/", public_not_found, name="detail"),
]
