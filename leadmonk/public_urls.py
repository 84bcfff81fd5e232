"""Public pages under an owner's booking slug."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from orders import public_views as order_views
from scheduling import public_views as scheduling_views
from waitlists import views as waitlist_views

app_name = "public"

urlpatterns = [
    path("<slug:owner_slug>/", scheduling_views.owner_page, name="owner_page"),
    path("<slug:owner_slug>/packages/<slug:package_slug>/", order_views.order_package, name="order_package"),
    # One segment more than a slug address, so no package slug can ever stand for it.
    path("<slug:owner_slug>/packages/p/<token:token>/", order_views.order_private_package,
         name="order_private_package"),
    path("<slug:owner_slug>/<slug:meeting_type_slug>/", scheduling_views.book_meeting, name="book_meeting"),
    # After the package addresses: "packages" is never a meeting type's slug, so no package slug
    # "waitlist" is taken by these.
    path("<slug:owner_slug>/<slug:meeting_type_slug>/waitlist/", waitlist_views.waitlist_page, name="waitlist"),
    path("<slug:owner_slug>/<slug:meeting_type_slug>/waitlist/claim/<token:token>/", waitlist_views.claim_page,
         name="waitlist_claim"),
    # Three segments: no meeting type slug can take it.
    path("<slug:owner_slug>/s/<token:token>/", scheduling_views.book_secret, name="book_secret"),
]
