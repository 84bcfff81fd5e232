from django.urls import path

from embed import views

app_name = "embed_settings"

urlpatterns = [
    path("", views.embed_settings, name="settings"),
]
