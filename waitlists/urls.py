from django.urls import path

from waitlists import views

app_name = "waitlists"

urlpatterns = [
    path("", views.waitlist_list, name="list"),
    path("<int:pk>/remove/", views.waitlist_entry_remove, name="remove"),
]
