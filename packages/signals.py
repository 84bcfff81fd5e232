"""What packages asks of the apps above it, which it never imports."""
from django.dispatch import Signal

# owner=<User>: each receiver returns the Payment Mediums (provider identifiers) that owner can
# sell through, in display order (payments answers from its providers and the owner's connections).
payment_mediums_for_owner = Signal()
