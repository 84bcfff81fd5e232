"""The owner's Members page (/dashboard/members/) and the test provider's renewal buttons."""
from django.urls import path

from memberships import views

app_name = "memberships"

urlpatterns = [
    path("", views.members_page, name="list"),
    path("<int:pk>/renew/", views.renew_now, name="renew_now"),
    path("<int:pk>/fail/", views.fail_renewal, name="fail_renewal"),
]
