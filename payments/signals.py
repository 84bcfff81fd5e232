"""What payments announces, for the apps above it (instalments, memberships), which payments never
imports. Sent inside the payment's (or the verified event's) transaction: a receiver's rows commit
or roll back with it."""
from django.dispatch import Signal

# payment=<Payment>: an order's payment was confirmed (sent once, after the order is activated by a
# checkout; an instalment payment activates nothing and is only announced).
order_payment_confirmed = Signal()
# payment=<Payment>: an order's payment failed (sent once, when it moves to failed).
order_payment_failed = Signal()

# order=<PackageOrder>, subscription=<dict, read back from Stripe>: a membership order's first
# payment went through Checkout in subscription mode and created this subscription.
membership_subscription_started = Signal()
# event_type=<str>, subscription=<dict, read back from Stripe>, invoice=<dict read back, or None>,
# created=<datetime of the event>: a verified, first-seen Stripe Billing event (`invoice.paid`,
# `invoice.payment_failed`, `customer.subscription.updated/deleted`) of a membership subscription.
membership_subscription_event = Signal()
