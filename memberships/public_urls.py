"""The client's membership buttons, under their order's address (/orders/<token>/membership/…)."""
from django.urls import path

from memberships import views

app_name = "membership_client"

urlpatterns = [
    path("pay/", views.client_pay, name="pay"),
    path("<slug:action>/", views.client_action, name="action"),
]
