"""Paid orders and sessions for the invoices tests, paid through the one guarded path
(payments.services.payment_confirm), as a provider's webhook or return would."""
from decimal import Decimal

from payments.models import Payment, Provider
from payments.services import payment_confirm
from tests import make_meeting_type, make_order


def paid_order(owner, *, price="120.00", currency="USD", provider=Provider.STRIPE, sessions=3, **fields):
    meeting_type = make_meeting_type(owner, name="Coaching call", duration_minutes=50)
    order = make_order(owner, meeting_type, sessions=sessions, price=price, currency=currency, with_items=True,
                       **fields)
    payment = Payment.objects.create(order=order, provider=provider, amount=order.price, currency=order.currency,
                                     promo_code=order.promo_code, discount=order.discount)
    payment = payment_confirm(payment_id=payment.pk, amount=Decimal(price), currency=currency)
    payment.refresh_from_db()
    order.refresh_from_db()
    return order, payment
