"""{% calendar_links booking as links %}: the Google, Outlook and .ics links of a booking (no query);
{% booking_place booking as place %}: where it meets (scheduling.calendar.booking_place), shown
with the include scheduling/_place.html."""
from django import template

from scheduling.calendar import Place
from scheduling.calendar import booking_place as build_booking_place
from scheduling.calendar import calendar_links as build_calendar_links

register = template.Library()


@register.simple_tag
def calendar_links(booking) -> dict[str, str]:
    return build_calendar_links(booking)


@register.simple_tag
def booking_place(booking) -> Place:
    return build_booking_place(booking)
