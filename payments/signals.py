"""What payments announces about Stripe Billing subscriptions of package orders (memberships), for
the app above it that owns them, which payments never imports. Sent inside the transaction of the
event that caused it (payments.webhooks.event_process, or the client's return from Checkout)."""
from django.dispatch import Signal

# order=<PackageOrder>, subscription=<dict, read back from Stripe>: a membership order's first
# payment went through Checkout in subscription mode and created this subscription.
membership_subscription_started = Signal()
# event_type=<str>, subscription=<dict, read back from Stripe>, invoice=<dict read back, or None>,
# created=<datetime of the event>: a verified, first-seen Stripe Billing event (`invoice.paid`,
# `invoice.payment_failed`, `customer.subscription.updated/deleted`) of a membership subscription.
membership_subscription_event = Signal()
