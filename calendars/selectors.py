"""Reads of the calendars app."""
from django.db.models import Prefetch

from calendars.models import Calendar, CalendarConnection


def connections_for_owner(owner) -> list[CalendarConnection]:
    return list(CalendarConnection.objects.filter(owner=owner).prefetch_related(
        Prefetch("calendars", queryset=Calendar.objects.order_by("name", "id"))))
