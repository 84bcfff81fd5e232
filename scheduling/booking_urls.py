"""Public booking pages reached by token: see, reschedule or cancel."""
from django.urls import path

from scheduling import booking_views

app_name = "bookings"

urlpatterns = [
    path("<str:token>/", booking_views.manage, name="manage"),
    path("<str:token>/reschedule/", booking_views.reschedule, name="reschedule"),
    path("<str:token>/cancel/", booking_views.cancel, name="cancel"),
]
