"""Dashboard pages of scheduling: upcoming sessions, meeting types, availability."""
from django.urls import path

from scheduling import dashboard_views, upcoming_views

app_name = "dashboard"

urlpatterns = [
    path("", upcoming_views.home, name="home"),
    path("bookings/export.csv", upcoming_views.booking_export, name="booking_export"),
    path("bookings/<int:pk>/", upcoming_views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/cancel/", upcoming_views.booking_cancel_view, name="booking_cancel"),
    path("bookings/<int:pk>/attendance/", upcoming_views.booking_attendance_view, name="booking_attendance"),
    path("bookings/<int:pk>/reschedule/", upcoming_views.booking_reschedule_view, name="booking_reschedule"),
    path("meeting-types/", dashboard_views.meeting_types, name="meeting_types"),
    path("meeting-types/new/", dashboard_views.meeting_type_new, name="meeting_type_new"),
    path("meeting-types/<int:pk>/", dashboard_views.meeting_type_edit, name="meeting_type_edit"),
    path("meeting-types/<int:pk>/state/", dashboard_views.meeting_type_state, name="meeting_type_state"),
    path("meeting-types/<int:pk>/secret-link/", dashboard_views.meeting_type_secret_link,
         name="meeting_type_secret_link"),
    path("meeting-types/<int:pk>/delete/", dashboard_views.meeting_type_delete, name="meeting_type_delete"),
    path("availability/", dashboard_views.availability, name="availability"),
    path("availability/overrides/new/", dashboard_views.availability_override_add, name="availability_override_add"),
    path(
        "availability/overrides/<int:pk>/delete/",
        dashboard_views.availability_override_delete,
        name="availability_override_delete",
    ),
]
