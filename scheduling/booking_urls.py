"""Public booking pages reached by token: reschedule or cancel."""
from django.urls import path

from leadmonk.placeholder import public_not_found

app_name = "bookings"

urlpatterns = [
    path("<str:token>/", public_not_found, name="manage"),
]
