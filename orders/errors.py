"""The base of the refused order writes (placing an order, cancelling it), shared by
orders.services and orders.lifecycle."""
from leadmonk.languages import translatable as _


class OrderError(Exception):
    """A refused order write; `.message` is shown to the user as is."""

    message = _("This order could not be changed.")

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)
