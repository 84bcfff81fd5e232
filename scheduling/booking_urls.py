"""Public booking pages reached by token: see, reschedule or cancel."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from scheduling import booking_views

app_name = "bookings"

urlpatterns = [
    path("<token:token>/", booking_views.manage, name="manage"),
    path("<token:token>/reschedule/", booking_views.reschedule, name="reschedule"),
    path("<token:token>/cancel/", booking_views.cancel, name="cancel"),
    path("<token:token>/calendar.ics", booking_views.calendar_file, name="calendar"),
]
