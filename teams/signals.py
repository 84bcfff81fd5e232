"""What teams announces to the apps above it (teams never imports them): notifications listens
(notifications/receivers.py) and writes the email to the outbox in the sender's transaction."""
from django.dispatch import Signal

# Sent inside invitation_create's transaction with `invitation`: the invitation email is written
# to the outbox there, so it is sent once the invitation is committed, even if the broker was down.
invitation_created = Signal()
