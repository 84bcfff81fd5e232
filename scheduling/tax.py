"""The tax an owner charges on what they sell, as checkout and the price lines see it: the terms
come from Settings › Invoices (the invoices app answers `tax_terms_for_owner`; this app never
imports it), the arithmetic from leadmonk.money.tax_breakdown. Prices that exclude tax are charged
price + tax; prices that include it are charged as they are."""
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from leadmonk.money import format_money, percent_label, tax_breakdown
from scheduling.signals import tax_terms_for_owner

DEFAULT_TAX_NAME = "Tax"


@dataclass(frozen=True)
class TaxTerms:
    rate: Decimal = Decimal(0)
    inclusive: bool = True
    name: str = DEFAULT_TAX_NAME

    @property
    def adds_tax(self) -> bool:
        """Whether a price is charged with tax on top of it."""
        return not self.inclusive and self.rate > 0

    def tax_on_top(self, amount: Decimal, currency: str) -> Decimal:
        """The tax added to `amount` at checkout (0 when prices include it or there is none)."""
        if not self.adds_tax or not amount:
            return Decimal(0)
        return tax_breakdown(amount=amount, rate=self.rate, inclusive=False, currency=currency).tax


NO_TAX = TaxTerms()


def owner_tax_terms(owner) -> TaxTerms:
    """The owner's tax terms now (no tax when they have none set)."""
    for _receiver, terms in tax_terms_for_owner.send(sender=None, owner=owner):
        if terms is not None:
            return terms
    return NO_TAX


def tax_line(*, amount: Decimal, tax: Decimal, rate: Decimal, name: str, currency: str) -> str:
    """ "plus 20 % VAT: 80.00 USD, total 480.00 USD" for a price with tax on top; "" without. The
    app's own default name ("Tax") reads in the page's language; an owner's own name as written."""
    if not tax:
        return ""
    return gettext("plus %(rate)s %% %(name)s: %(tax)s, total %(total)s") % {
        "rate": percent_label(rate), "name": tax_name_label(name), "tax": format_money(tax, currency),
        "total": format_money(amount + tax, currency)}


def tax_name_label(name: str) -> str:
    """The tax's name as a client reads it: the default one translated, an owner's own as written."""
    return gettext(DEFAULT_TAX_NAME) if name in ("", DEFAULT_TAX_NAME) else name
