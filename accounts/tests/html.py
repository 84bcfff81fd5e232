"""Small HTML helpers for account page tests: which inputs a page has and whether each has a label."""
from html.parser import HTMLParser

_NOT_TYPED_BY_USER = {"hidden", "submit", "button", "reset", "image"}


class _FormControls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.control_ids: list[str | None] = []
        self.label_targets: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and (attributes.get("type") or "text") in _NOT_TYPED_BY_USER:
                return
            self.control_ids.append(attributes.get("id"))


def unlabelled_inputs(html: str) -> list[str | None]:
    """Ids of the visible inputs that no <label for=...> points at (None for an input with no id)."""
    parser = _FormControls()
    parser.feed(html)
    return [control for control in parser.control_ids if control not in parser.label_targets]


def visible_input_ids(html: str) -> list[str | None]:
    parser = _FormControls()
    parser.feed(html)
    return parser.control_ids
