"""Form widgets shared by every app."""
from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from leadmonk.money import normalise_amount
from leadmonk.timezones import resolve_timezone, timezone_datalist_html


class AmountField(forms.DecimalField):
    """A price or an amount as people type it: "$400", "400.00", "400,00", "1,200" (see
    leadmonk.money.normalise_amount), in the currency chosen beside it."""

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_amount(value)
        return super().to_python(value)


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


class ZoneInput(FastTextInput):
    """A text box with the list of zones as its <datalist>: typing "Berl" offers Europe/Berlin, where
    a <select> made people scroll through 400-odd names. Without a browser that shows the list, a
    city or a full name typed by hand is still understood (TimezoneField)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        attrs = {**(attrs or {})}
        list_id = f"{attrs.get('id') or name}-zones"
        attrs.update({"list": list_id, "autocomplete": "off", "spellcheck": "false"})
        return mark_safe(  # noqa: S308 - the input is escaped by its render, the options when built
            f'{super().render(name, value, attrs, renderer)}'
            f'<datalist id="{conditional_escape(list_id)}">{timezone_datalist_html()}</datalist>'
        )


class TimezoneField(forms.CharField):
    """An IANA zone name, typed or picked: "Europe/Berlin", "europe/berlin", "Berlin" and "New York"
    all give the zone's name; anything else is refused with what to type."""

    widget = ZoneInput
    default_help_text = "Type a city or a region, for example Berlin, and pick it from the list."
    default_error_messages = {
        "required": "Type a city or a region, for example Berlin, and pick it from the list.",
        "unknown": "“%(typed)s” is not a time zone we know. Type a city or a region, for example "
                   "Berlin, and pick it from the list.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", self.default_help_text)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        typed = super().to_python(value)
        if typed in self.empty_values:
            return typed
        zone = resolve_timezone(typed)
        if zone is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"typed": typed[:64]})
        return zone
