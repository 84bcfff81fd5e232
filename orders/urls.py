from django.urls import path

from leadmonk.placeholder import section

app_name = "orders"

urlpatterns = [
    path("", section("Orders"), name="list"),
]
