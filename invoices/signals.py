"""What the money apps announce to the apps beside them (payments sends, notifications listens;
neither imports the other). Sent inside the refund's transaction: a receiver's rows (the client's
email in the outbox) commit or roll back with it."""
from django.dispatch import Signal

# Part of a payment went back (not all of it: a full refund of an order is orders.signals.order_cancelled
# with the order refunded). order=<PackageOrder | None>, booking=<Booking | None> (a paid session),
# credit_note=<CreditNote | None> (None: a payment from before invoices), amount=<Decimal> refunded now,
# left=<Decimal> of the payment still paid, currency=<str>, reason=<str>,
# sessions_removed=[{"name": <str>, "count": <int>}] taken off the order with it.
payment_partly_refunded = Signal()

# All that was left of a paid session's payment went back (a session has no order whose refund
# tells the client: a cancel's refund, the owner's, a webhook's). booking=<Booking>,
# credit_note=<CreditNote | None>, amount=<Decimal> refunded now, currency=<str>, reason=<str>.
session_payment_refunded = Signal()
