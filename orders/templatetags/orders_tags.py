"""Template helpers for order pages."""
from django import template

from leadmonk import money
from packages.models import billing_words
from scheduling.tax import tax_line

register = template.Library()


@register.filter
def order_price(order) -> str:
    """ "Free" for a free order, else "240.00 USD" (the price as sold; "180.00 USD a month" for a
    membership)."""
    label = money.price_label(order.price, order.currency)
    billed = billing_words(order.billing_interval, order.billing_interval_count)
    return f"{label} {billed}" if billed and order.price else label


@register.filter
def order_total(order) -> str:
    """What the client pays for the order: the price, plus tax when the owner's prices exclude it."""
    return money.price_label(order.total_price, order.currency)


@register.filter
def order_tax_line(order) -> str:
    """ "plus 20 % VAT: 80.00 USD, total 480.00 USD" for an order charged with tax on top, else ""."""
    return tax_line(amount=order.price, tax=order.tax_added, rate=order.tax_rate or 0, name=order.tax_name,
                    currency=order.currency)


@register.filter
def order_promo_line(order) -> str:
    """ "WELCOME10: −24.00 USD off 240.00 USD" for an order placed with a promo code, else "". """
    if not order.promo_code:
        return ""
    return (f"{order.promo_code}: −{money.format_money(order.discount, order.currency)} "
            f"off {money.format_money(order.price_before_discount, order.currency)}")


@register.filter
def answer_text(answer) -> str:
    """An answer as stored on the order, as a line of text."""
    if isinstance(answer, bool):
        return "Yes" if answer else "No"
    if isinstance(answer, list):
        return ", ".join(str(part) for part in answer) or "—"
    return str(answer) if answer not in (None, "") else "—"
