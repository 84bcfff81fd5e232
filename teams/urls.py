"""Dashboard pages of teams, under /dashboard/teams/."""
from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list, name="list"),
    path("<int:pk>/", views.team_detail, name="detail"),
    path("<int:pk>/settings/", views.team_settings, name="settings"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/invitations/<int:invitation_pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/members/<int:member_pk>/role/", views.member_role, name="member_role"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/meeting-types/new/", views.meeting_type_new, name="meeting_type_new"),
    path("<int:pk>/meeting-types/<int:mt_pk>/", views.meeting_type_edit, name="meeting_type_edit"),
    path("<int:pk>/meeting-types/<int:mt_pk>/state/", views.meeting_type_state, name="meeting_type_state"),
    path("<int:pk>/meeting-types/<int:mt_pk>/secret-link/", views.meeting_type_secret_link,
         name="meeting_type_secret_link"),
]
