from django.urls import path, re_path

from api import docs_views, problems, views

app_name = "api"

urlpatterns = [
    path("", docs_views.api_root, name="root"),
    path("schema/", docs_views.ApiSchemaView.as_view(), name="schema"),
    path("docs/", docs_views.api_docs, name="docs"),
    path("meeting-types/", views.MeetingTypeList.as_view(), name="meeting_types"),
    path("meeting-types/<int:pk>/", views.MeetingTypeDetail.as_view(), name="meeting_type"),
    path("meeting-types/<int:pk>/free-times/", views.MeetingTypeFreeTimes.as_view(), name="free_times"),
    path("packages/", views.PackageList.as_view(), name="packages"),
    path("packages/<int:pk>/", views.PackageDetail.as_view(), name="package"),
    path("orders/", views.OrderList.as_view(), name="orders"),
    path("orders/<int:pk>/", views.OrderDetail.as_view(), name="order"),
    path("bookings/", views.BookingList.as_view(), name="bookings"),
    path("bookings/<int:pk>/", views.BookingDetail.as_view(), name="booking"),
    path("bookings/<int:pk>/reschedule/", views.BookingReschedule.as_view(), name="booking_reschedule"),
    path("bookings/<int:pk>/cancel/", views.BookingCancel.as_view(), name="booking_cancel"),
    path("bookings/<int:pk>/attendance/", views.BookingAttendance.as_view(), name="booking_attendance"),
    path("clients/", views.ClientList.as_view(), name="clients"),
    path("payments/", views.PaymentList.as_view(), name="payments"),
    # Last: every other address under /api/v1/ answers a 404 problem.
    re_path(r"^.*$", problems.not_found, name="not_found"),
]
