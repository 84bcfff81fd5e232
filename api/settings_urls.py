from django.urls import path

from api import settings_views

app_name = "api_keys"

urlpatterns = [
    path("", settings_views.api_keys_page, name="list"),
    path("<int:pk>/revoke/", settings_views.api_key_revoke, name="revoke"),
]
