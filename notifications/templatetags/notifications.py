"""Filters of the booking's message log (notifications/_booking_messages.html)."""
from django import template

register = template.Library()


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
