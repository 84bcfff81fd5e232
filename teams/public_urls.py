"""Public team pages under /team/: the team page, booking a team meeting, accepting an invitation.
There is deliberately no package route here: a team page never sells packages."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from teams import public_views

app_name = "team_public"

urlpatterns = [
    path("join/<str:token>/", public_views.join, name="join"),
    path("<slug:team_slug>/", public_views.team_page, name="team_page"),
    path("<slug:team_slug>/<slug:meeting_type_slug>/", public_views.book_team_meeting, name="book"),
    # Three segments: no meeting type slug can take it.
    path("<slug:team_slug>/s/<token:token>/", public_views.book_team_secret, name="book_secret"),
]
