from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("<str:reference>/", views.client_detail, name="detail"),
    path("<str:reference>/export.json", views.client_export_json, name="export"),
    path("<str:reference>/erase/", views.client_erase_view, name="erase"),
]
