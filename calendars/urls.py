from django.urls import path

from calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendars_page, name="list"),
    path("<int:pk>/", views.connection_detail, name="detail"),
    path("<int:pk>/refresh/", views.connection_refresh, name="refresh"),
    path("<int:pk>/remove/", views.connection_remove, name="remove"),
]
