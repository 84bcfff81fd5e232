"""The client portal, /my/ ("Find my bookings"); a reserved slug (accounts.models.RESERVED_SLUGS)."""
from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    # <str:>, not <token:>: a link cut short in an email client gets the page that says so, not a 404.
    path("sign-in/<str:token>/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
]
