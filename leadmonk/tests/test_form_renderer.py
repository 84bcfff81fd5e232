"""The form renderer writes the widgets it knows byte for byte as Django's templates do, on made-up
widgets with awkward values and on the project's own form pages, and leaves the others to them."""
import re
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from leadmonk.form_renderer import FormRenderer
from tests import make_meeting_type, make_package

TEMPLATES_ONLY = DjangoTemplates()
lazy_text = lazy(lambda text: text, str)
AWKWARD = 'Tom & "Jerry" <b>'


def _both(widget: forms.Widget, name: str, value, attrs=None) -> tuple[str, str]:
    return (widget.render(name, value, attrs=attrs, renderer=FormRenderer()),
            widget.render(name, value, attrs=attrs, renderer=TEMPLATES_ONLY))


WIDGETS = [
    (forms.TextInput(), AWKWARD, {"id": "id_x", "required": True, "disabled": False, "maxlength": 20}),
    (forms.TextInput(), mark_safe("<i>already safe</i>"), {"placeholder": mark_safe("a <b>"), "data-x": AWKWARD}),
    (forms.TextInput(), None, None),
    (forms.TextInput(), "", {"autofocus": True}),
    (forms.NumberInput(), Decimal("240.50"), {"min": 0, "step": "0.01"}),
    (forms.NumberInput(), 7, {"max": 10}),
    (forms.EmailInput(), "jo@example.com", {"autocomplete": "email"}),
    (forms.PasswordInput(render_value=True), "s3cret&", None),
    (forms.HiddenInput(), ("a", 1), None),
    (forms.URLInput(), "https://example.com/?a=1&b=2", None),
    (forms.DateInput(), "2026-12-01", {"type": "date"}),
    (forms.TimeInput(), "09:00", None),
    (forms.CheckboxInput(), True, {"id": "id_c"}),
    (forms.CheckboxInput(), False, None),
    (forms.CheckboxInput(), "yes", None),
    (forms.Textarea(), AWKWARD + "\nsecond line", {"rows": 3}),
    (forms.Textarea(), "", None),
    (forms.Textarea(), None, None),
    (forms.Select(choices=[("", "---------"), ("a", AWKWARD), (1, lazy_text("One"))]), 1, {"id": "id_s"}),
    (forms.Select(choices=[("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")]), "y", None),
    (forms.Select(choices=[(1, 1), (2, 2)]), 2, None),  # numbers as labels: left to the templates
    (forms.Select(choices=[]), None, None),
    (forms.SelectMultiple(choices=[("a", "A"), ("b", "B")]), ["a", "b"], None),
    (forms.RadioSelect(choices=[("a", "A"), ("b", AWKWARD)]), "a", {"id": "id_r", "class": "inline"}),
    (forms.RadioSelect(choices=[("a", "A"), ("b", "B")]), "a", None),
    (forms.RadioSelect(choices=[("G <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")]), "y", {"id": "id_g"}),
    (forms.RadioSelect(choices=[(1, 1)]), 1, {"id": "id_n"}),  # a number as a label: left to the templates
    (forms.CheckboxSelectMultiple(choices=[("a", "A"), ("b", "B")]), ["a"], {"id": "id_m", "required": True}),
    (forms.CheckboxSelectMultiple(choices=[("a", "A")]), [], None),
    (forms.SplitDateTimeWidget(), None, None),
]


@pytest.mark.parametrize(("widget", "value", "attrs"), WIDGETS, ids=lambda item: type(item).__name__)
def test_every_widget_is_written_as_its_template_writes_it(widget, value, attrs):
    fast, templates = _both(widget, "field", value, attrs)

    assert fast == templates


def test_the_commonest_widgets_are_written_without_their_templates(monkeypatch):
    used = []
    original = DjangoTemplates.render
    monkeypatch.setattr(DjangoTemplates, "render",
                        lambda self, name, context, request=None: used.append(name) or original(self, name, context, request))

    for widget in (forms.TextInput(), forms.NumberInput(), forms.CheckboxInput(), forms.Textarea()):
        widget.render("field", "1", renderer=FormRenderer())
    forms.Select(choices=[("a", "A")]).render("field", "a", renderer=FormRenderer())
    forms.RadioSelect(choices=[("a", "A")]).render("field", "a", attrs={"id": "id_f"}, renderer=FormRenderer())
    forms.CheckboxSelectMultiple(choices=[("a", "A")]).render("field", ["a"], renderer=FormRenderer())
    forms.Select(choices=[(1, 1)]).render("field", 1, renderer=FormRenderer())

    assert used == ["django/forms/widgets/select.html"]  # the one with a number as a label


def _masked(html: str) -> str:
    """A page without what changes from one request to the next (the CSRF token, the CSP nonce)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    return re.sub(r'nonce="[^"]*"', "nonce", html)


@pytest.mark.django_db
def test_the_project_form_pages_are_the_same_with_either_renderer(owner):
    meeting_type = make_meeting_type(owner)
    package = make_package(owner, items=[(meeting_type, 3)])
    client = Client()
    client.force_login(owner)
    pages = [reverse("packages:create"), reverse("packages:edit", args=[package.pk]),
             reverse("dashboard:meeting_type_new"), reverse("dashboard:meeting_type_edit", args=[meeting_type.pk]),
             reverse("dashboard:availability"), reverse("accounts:settings"), reverse("promotions:create"),
             reverse("teams:list"), reverse("payments_dashboard:order_issue"),
             reverse("public:order_package", args=[owner.slug, package.slug])]

    def render_all():
        responses = [client.get(page) for page in pages]
        assert [response.status_code for response in responses] == [200] * len(pages)
        return [_masked(response.content.decode()) for response in responses]

    fast = render_all()
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        templates = render_all()

    assert fast == templates
    assert all("<input" in page for page in fast)
