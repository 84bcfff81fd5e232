"""What the accounts app announces, for the apps above it to react to (accounts imports none of them)."""
from django.dispatch import Signal

# Sent inside owner_signup's transaction with `owner`: a receiver's writes commit or roll back with
# the new account (scheduling gives the owner their first working hours).
owner_signed_up = Signal()
