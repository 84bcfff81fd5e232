"""Template helpers for order pages."""
from django import template

from leadmonk import money

register = template.Library()


@register.filter
def order_price(order) -> str:
    """ "Free" for a free order, else "240.00 USD" (the price as sold)."""
    return money.price_label(order.price, order.currency)


@register.filter
def answer_text(answer) -> str:
    """An answer as stored on the order, as a line of text."""
    if isinstance(answer, bool):
        return "Yes" if answer else "No"
    if isinstance(answer, list):
        return ", ".join(str(part) for part in answer) or "—"
    return str(answer) if answer not in (None, "") else "—"
