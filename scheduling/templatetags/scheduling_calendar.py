"""{% calendar_links booking as links %}: the Google, Outlook and .ics links of a booking (no query)."""
from django import template

from scheduling.calendar import calendar_links as build_calendar_links

register = template.Library()


@register.simple_tag
def calendar_links(booking) -> dict[str, str]:
    return build_calendar_links(booking)
