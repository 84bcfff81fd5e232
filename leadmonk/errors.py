"""The base of the apps' domain errors: a refusal with a message for the person asking and,
when it is about one input, the form field to show it beside (STYLE.md 19: errors are classes)."""
from __future__ import annotations

from leadmonk.languages import translatable as _  # the one place of the language helpers


class DomainError(Exception):
    """A change that cannot be made. Subclasses set `message` (and `field`) as defaults; a raise
    may give its own: `raise SlotUnavailable("That time is not valid.")`."""

    message = _("This change could not be made.")
    field: str | None = None

    def __init__(self, message: str | None = None, *, field: str | None = None):
        if message:
            self.message = message
        if field:
            self.field = field
        super().__init__(self.message)
