"""Form widgets shared by every app."""
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
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
