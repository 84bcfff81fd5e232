from django.urls import path

from leadmonk.placeholder import section

app_name = "packages"

urlpatterns = [
    path("", section("Packages"), name="list"),
]
