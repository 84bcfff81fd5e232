"""The client's order details page, reached by the order's token, and booking its sessions."""
from django.urls import path

import leadmonk.converters  # noqa: F401  (registers <token:...>)
from orders import public_views, session_set_views

app_name = "order_details"

urlpatterns = [
    path("<token:token>/", public_views.order_detail, name="detail"),
    path("gifts/<token:token>/", public_views.gift_detail, name="gift"),
    path("<token:token>/items/<int:item_id>/book/", public_views.order_item_book, name="book"),
    path("<token:token>/sessions/", session_set_views.order_sessions, name="sessions"),
    path("<token:token>/calendar.ics", public_views.order_calendar, name="calendar"),
]
