"""Dashboard pages of scheduling: upcoming sessions, meeting types, availability."""
from django.urls import path

from leadmonk.placeholder import section

app_name = "dashboard"

urlpatterns = [
    path("", section("Upcoming"), name="home"),
    path("meeting-types/", section("Meeting Types"), name="meeting_types"),
    path("availability/", section("Availability"), name="availability"),
]
