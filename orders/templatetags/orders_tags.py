"""Template helpers for order pages."""
from django import template
from django.utils.translation import gettext

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
def order_first_charge(order) -> str:
    """What the checkout charged: the total, or a payment plan's first payment."""
    return money.price_label(order.first_charge, order.currency)


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
    return gettext("%(code)s: −%(discount)s off %(price)s") % {
        "code": order.promo_code, "discount": money.format_money(order.discount, order.currency),
        "price": money.format_money(order.price_before_discount, order.currency)}


def answer_text(answer, *, yes: str = "Yes", no: str = "No") -> str:
    """An answer as stored on the order, as a line of text (in English: the coach's calendar event
    is written in English whatever language the client's page spoke)."""
    if isinstance(answer, bool):
        return yes if answer else no
    if isinstance(answer, list):
        return ", ".join(str(part) for part in answer) or "—"
    return str(answer) if answer not in (None, "") else "—"


@register.filter(name="answer_text")
def answer_shown(answer) -> str:
    """`answer_text` on a page: a ticked box reads in the page's language."""
    return answer_text(answer, yes=gettext("Yes"), no=gettext("No"))
