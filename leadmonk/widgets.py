"""Form widgets shared by every app."""
from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A single <select> rendered in Python. Django renders every <option> through its own template
    include, which dominated pages with long lists (400-odd time zones, an owner's packages)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        options = []
        for group_name, group_choices, _index in widget["optgroups"]:
            rendered = "".join(
                format_html('<option value="{}"{}>{}</option>', option["value"],
                            flatatt({k: v for k, v in option["attrs"].items() if v is not False}), option["label"])
                for option in group_choices
            )
            options.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, mark_safe(rendered))
                           if group_name else rendered)
        attributes = {key: value for key, value in widget["attrs"].items() if value is not False}
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(attributes),
                           mark_safe("".join(options)))


def _attributes(attrs: dict) -> str:
    """The attributes as django/forms/widgets/attrs.html writes them: in order, True as a bare name,
    False left out, everything else escaped as text."""
    parts = []
    for key, value in attrs.items():
        if value is True:
            parts.append(f" {conditional_escape(key)}")
        elif value is not False:
            parts.append(f' {conditional_escape(key)}="{conditional_escape(value)}"')
    return "".join(parts)


class FastInputMixin:
    """An <input> rendered in Python, byte for byte as django/forms/widgets/input.html renders it:
    that template and its attrs.html include cost about 0.2 ms per field (the dashboard orders
    list has three)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        value_attribute = (f' value="{conditional_escape(widget["value"])}"'
                           if widget["value"] is not None else "")
        return mark_safe(  # noqa: S308 - every part is escaped above
            f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f'{value_attribute}{_attributes(widget["attrs"])}>'
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass
