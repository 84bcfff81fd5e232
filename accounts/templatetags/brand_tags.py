"""The coach's brand in the frame of the client's pages (templates/public_base.html)."""
from django import template

from accounts.brand import Brand, brand_of

register = template.Library()


@register.simple_tag(takes_context=True)
def client_brand(context) -> Brand | None:
    """`{% client_brand as brand %}`: the brand a view passed (`brand`, kept beside a cached page's
    HTML so a cache hit reads no owner), else the brand of the page's `owner`, or of its order's,
    booking's or team's owner; None on the product's own pages."""
    brand = context.get("brand")
    if isinstance(brand, Brand):
        return brand
    owner = context.get("owner")
    for holder in ("order", "booking", "team"):
        if owner is not None:
            break
        owner = getattr(context.get(holder), "owner", None)
    return brand_of(owner)
