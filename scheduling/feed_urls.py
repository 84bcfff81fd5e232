"""The owner's calendar feed, /calendar/<token>.ics (reserved slug: accounts.models.RESERVED_SLUGS)."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from scheduling import feed_views

app_name = "calendar_feed"

urlpatterns = [
    path("<token:token>.ics", feed_views.feed, name="feed"),
]
