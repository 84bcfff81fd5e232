from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from embed import views

app_name = "embed"

urlpatterns = [
    path("bookings/<token:token>/", views.booked, name="booked"),
    path("<slug:owner_slug>/", views.owner_page, name="owner_page"),
    path("<slug:owner_slug>/<slug:meeting_type_slug>/", views.book_meeting, name="book_meeting"),
]
