"""The form renderer (settings.FORM_RENDERER): Django's, with the commonest widgets written in Python.

Django renders every widget through its template (input.html, then attrs.html as an include): a
quarter of the CPU of a page of forms such as the package editor (35 fields). The inputs,
checkboxes, textareas, selects, radio buttons and multiple checkboxes of Django's own templates are
written here instead, byte for byte as those templates write them (leadmonk/tests/test_form_renderer.py
compares both on awkward values and on the project's form pages); any other template, or a value
these do not know how to write (a label that is not text), goes through the templates as before."""
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe

_WIDGETS = "django/forms/widgets/"
# The templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
                 "search", "tel", "color", "checkbox")
)
SELECT_TEMPLATE = f"{_WIDGETS}select.html"
OPTION_TEMPLATE = f"{_WIDGETS}select_option.html"
TEXTAREA_TEMPLATE = f"{_WIDGETS}textarea.html"
# The templates that are only `{% include "django/forms/widgets/multiple_input.html" %}`, and their options'.
CHOICES_TEMPLATES = frozenset(f"{_WIDGETS}{name}.html" for name in ("multiple_input", "radio", "checkbox_select"))
CHOICE_OPTION_TEMPLATES = frozenset(f"{_WIDGETS}{name}.html" for name in ("radio_option", "checkbox_option"))


class _Unwritable(Exception):
    """A value the templates would write in a way this module does not copy: use the templates."""


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe; the rest is escaped."""
    text = str(value)  # what "%s" does (the filter takes a tuple as one value too)
    return text if isinstance(value, SafeData) else escape(text)


def _text(value) -> str:
    """`{{ value }}` for text: a number or a date would be localised by the template."""
    if not isinstance(value, (str, Promise)):
        raise _Unwritable
    return conditional_escape(value)


def _attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items() if value is not False
    )


def _input(widget: dict) -> str:
    value = f' value="{_formatted(widget["value"])}"' if widget["value"] is not None else ""
    return (f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
            f'{_attributes(widget["attrs"])}>')


def _textarea(widget: dict) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attributes(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict) -> str:
    if option["template_name"] != OPTION_TEMPLATE:
        raise _Unwritable
    return (f'<option value="{_formatted(option["value"])}"{_attributes(option["attrs"])}>'
            f'{_text(option["label"])}</option>')


def _select(widget: dict) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        parts.extend(f"\n  {_option(option)}\n" for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _choice(option: dict) -> str:
    """radio_option.html and checkbox_option.html: input_option.html (a line of its own) and a newline."""
    if option["template_name"] not in CHOICE_OPTION_TEMPLATES or not option["wrap_label"]:
        raise _Unwritable
    id_ = option["attrs"].get("id")
    label_for = f' for="{_text(id_)}"' if id_ else ""
    return f"<label{label_for}>{_input(option)}\n {_text(option['label'])}</label>\n\n"


def _choices(widget: dict) -> str:
    """multiple_input.html (radio buttons, checkboxes of a multiple choice)."""
    id_, css_class = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = ["<div", f' id="{_text(id_)}"' if id_ else "", f' class="{_text(css_class)}"' if css_class else "", ">"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{_text(group_name)}</label>")
        parts.extend(f"<div>\n    {_choice(option)}</div>" for option in options)
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


_WRITERS = {**{name: _input for name in INPUT_TEMPLATES}, TEXTAREA_TEMPLATE: _textarea, SELECT_TEMPLATE: _select,
            **{name: _choices for name in CHOICES_TEMPLATES}}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        writer = _WRITERS.get(template_name)
        widget = context.get("widget") if writer is not None else None
        if widget is not None and widget.get("template_name") == template_name:
            try:
                return mark_safe(writer(widget))  # noqa: S308 - every part is escaped above
            except _Unwritable:
                pass
        return super().render(template_name, context, request=request)
