"""Template helpers for package pages."""
from django import template

from leadmonk import money
from packages.models import billing_words

register = template.Library()


@register.filter
def package_price(package) -> str:
    """ "Free" for a free package, else "240.00 USD"; a draft has no price yet (not "Free")."""
    if getattr(package, "is_draft", False):
        return "No price yet"
    label = money.price_label(package.price, package.currency)
    billed = billing_words(package.billing_interval, package.billing_interval_count)
    return f"{label} {billed}" if billed and package.price else label


@register.filter
def session_line(item) -> str:
    """ "4 × Coaching session (50 min)" for a package item with its meeting type loaded."""
    return f"{item.quantity} × {item.meeting_type.name} ({item.meeting_type.duration_minutes} min)"
