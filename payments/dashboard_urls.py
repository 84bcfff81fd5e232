from django.urls import path

from leadmonk.placeholder import section

app_name = "payments_dashboard"

urlpatterns = [
    path("", section("Payments"), name="list"),
]
