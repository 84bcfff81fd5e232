"""{% booking_message_log booking as log %}: the booking's messages and reminders for the include;
{% calendar_links booking as links %}: its "Add to calendar" links."""
from django import template

from notifications.calendar import calendar_links as build_calendar_links
from notifications.selectors import booking_message_log as select_booking_message_log

register = template.Library()


@register.simple_tag
def booking_message_log(booking):
    return select_booking_message_log(booking=booking)


@register.simple_tag
def calendar_links(booking) -> dict[str, str]:
    """{% calendar_links booking as links %}: Google, Outlook and .ics links of the booking."""
    return build_calendar_links(booking)


# Message and reminder statuses onto the badge classes of app.css.
BADGE_FOR_STATUS = {
    "pending": "badge-pending",
    "claimed": "badge-pending",
    "sent": "badge-sent",
    "delivered": "badge-success",
    "failed": "badge-failed",
    "undelivered": "badge-danger",
    "dropped": "",
}


@register.filter
def status_badge(status: str) -> str:
    return BADGE_FOR_STATUS.get(status, "")


@register.filter
def offset_label(minutes: int) -> str:
    """1440 -> '1 day before', 90 -> '1 h 30 min before'."""
    minutes = int(minutes)
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''} before"
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min before"
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''} before"
    return f"{rest} min before"
