"""FastSelect renders what Django's Select renders (the same options, selection and attributes);
FastTextInput and FastDateInput render byte for byte what Django's inputs render."""
import datetime as dt
from html.parser import HTMLParser

import pytest
from django import forms
from django.utils.safestring import mark_safe

from leadmonk.widgets import FastDateInput, FastSelect, FastTextInput

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


ATTRS = [None, {"type": "search", "placeholder": 'Name "or" <email> & more', "required": True, "disabled": False,
                "maxlength": 200, "data-x": mark_safe("&amp;")}]
VALUES = [None, "", "Jo", '"><script>alert(1)</script>', 0, 12, dt.date(2026, 12, 1), mark_safe("<b>safe</b>")]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", VALUES)
def test_fast_inputs_render_what_djangos_inputs_render(attrs, value):
    for plain, fast in ((forms.TextInput(attrs=attrs), FastTextInput(attrs=attrs)),
                        (forms.DateInput(attrs={**(attrs or {}), "type": "date"}),
                         FastDateInput(attrs={**(attrs or {}), "type": "date"}))):
        for extra in (None, {"id": "id_q", "aria-invalid": "true"}):
            assert fast.render("q", value, extra) == plain.render("q", value, extra)


def test_a_form_with_fast_inputs_renders_as_with_djangos():
    class Plain(forms.Form):
        q = forms.CharField(required=False, max_length=20, widget=forms.TextInput(attrs={"type": "search"}))
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    class Fast(forms.Form):
        q = forms.CharField(required=False, max_length=20, widget=FastTextInput(attrs={"type": "search"}))
        day = forms.DateField(widget=FastDateInput(attrs={"type": "date"}))

    for data in (None, {"q": "<a&b>", "day": "not a date"}, {"q": "", "day": "2026-12-01"}):
        plain, fast = Plain(data), Fast(data)
        if data:
            plain.is_valid(), fast.is_valid()
        assert str(fast["q"]) == str(plain["q"]) and str(fast["day"]) == str(plain["day"])
