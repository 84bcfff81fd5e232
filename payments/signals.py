"""What payments announces, for the apps above it (instalments), which payments never imports.
Sent inside the payment's transaction, under its row lock: a receiver's rows commit or roll back with
the payment's new state."""
from django.dispatch import Signal

# payment=<Payment>: an order's payment was confirmed (sent once, after the order is activated by a
# checkout; an instalment payment activates nothing and is only announced).
order_payment_confirmed = Signal()
# payment=<Payment>: an order's payment failed (sent once, when it moves to failed).
order_payment_failed = Signal()
