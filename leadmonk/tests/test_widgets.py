"""FastSelect renders what Django's Select renders (the same options, selection and attributes)."""
from html.parser import HTMLParser

from django import forms

from leadmonk.widgets import FastSelect

CHOICES = [("", "All"), ("a", "Apple & pear"), ("b", "<b>Banana</b>"), ("Group", [("c", "Cherry")])]


class Pick(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES)
    fast = forms.ChoiceField(choices=CHOICES, widget=FastSelect)


class Parts(HTMLParser):
    """Tags with sorted attributes, and text, in document order."""

    def __init__(self, name: str):
        super().__init__()
        self.name, self.parts = name, []

    def handle_starttag(self, tag, attrs):
        renamed = [(k, (v or "").replace(self.name, "NAME")) for k, v in attrs]
        self.parts.append((tag, tuple(sorted(renamed))))

    def handle_data(self, data):
        if data.strip():
            self.parts.append(data.strip())


def parts(html: str, name: str) -> list:
    parser = Parts(name)
    parser.feed(html)
    return parser.parts


def test_fast_select_renders_the_same_options_selection_and_attributes_as_django():
    form = Pick(data={"plain": "b", "fast": "b"})
    assert parts(str(form["fast"]), "fast") == parts(str(form["plain"]), "plain")
    assert '<option value="b" selected>&lt;b&gt;Banana&lt;/b&gt;</option>' in str(form["fast"])
