"""What packages asks of the apps above it, which it never imports."""
# owner=<User>: each receiver returns the Payment Mediums (provider identifiers) that owner can
# sell through, in display order (payments answers from its providers and the owner's connections).
# Defined by scheduling, whose paid meeting types ask the same question.
from scheduling.signals import payment_mediums_for_owner  # noqa: F401
