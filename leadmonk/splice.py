"""HTML rendered once and kept, with what differs per request filled in per request: a page is
rendered with placeholders (the visitor's CSRF token, the page's own address), cut at them, cached
as its pieces, then filled for each response. A cached page is then shared by every visitor.

Why cut at render time rather than replace on the way out: a placeholder's mark is random per
process, so no text an owner wrote can hold it, and a value filled in that happens to hold a mark
is never replaced again. The marks are letters and digits only, so the template's escaping leaves
them as they are; the values are escaped as the template would have escaped them.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Placeholder:
    """A value put in per request; render `mark` where the value goes (a template variable, an
    address). `name` is the keyword that fills it (Cut.fill)."""

    name: str
    mark: str


def placeholder(name: str) -> Placeholder:
    if not name.isidentifier():
        raise ValueError(f"A placeholder's name is a keyword argument of Cut.fill: {name!r}")
    return Placeholder(name=name, mark=f"splice{uuid.uuid4().hex}")


# The two a cached page needs: the visitor's CSRF token and the address of the page it is on.
CSRF_TOKEN = placeholder("csrf_token")
PAGE_URL = placeholder("page_url")


@dataclass(frozen=True)
class Cut:
    """HTML cut at its placeholders: `pieces` alternates HTML and a placeholder's name, HTML first
    and last (`("<p>", "csrf_token", "</p>")`). Picklable: a cache keeps it as it is."""

    pieces: tuple[str, ...]

    @property
    def names(self) -> set[str]:
        return set(self.pieces[1::2])

    def fill(self, **values: str) -> SafeString:
        """The HTML with each placeholder's value, escaped (a SafeString goes in as it is). Every
        placeholder the HTML holds needs a value (KeyError otherwise); others are ignored."""
        names = self.names
        missing = names - values.keys()
        if missing:
            raise KeyError(f"No value for the placeholder(s) {sorted(missing)}")
        # Each value escaped once: a picker holds its page's address in every day's link.
        escaped = {name: conditional_escape(values[name]) for name in names}
        out = list(self.pieces)
        out[1::2] = [escaped[name] for name in out[1::2]]
        return mark_safe("".join(out))  # noqa: S308 - HTML our templates rendered, values escaped


def cut(html: str, *placeholders: Placeholder) -> Cut:
    """`html` (rendered with the placeholders' marks) cut at each mark; a placeholder whose mark
    the HTML does not hold (a page without a form) is simply not there."""
    by_mark = {each.mark: each.name for each in placeholders}
    if not by_mark:
        return Cut(pieces=(str(html),))
    parts = re.split(f"({'|'.join(map(re.escape, by_mark))})", str(html))
    return Cut(pieces=tuple(part if index % 2 == 0 else by_mark[part] for index, part in enumerate(parts)))
