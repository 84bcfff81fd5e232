from django import forms

from api.models import ApiKeyScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Key name", max_length=100, help_text="What uses it, e.g. “CRM sync”.",
        error_messages={"required": "Name the key, e.g. “CRM sync”, so you can tell your keys apart.",
                        "max_length": "Keep the name to %(limit_value)d characters (it has %(show_value)d)."},
    )
    scope = forms.ChoiceField(
        label="Access", choices=ApiKeyScope.choices, initial=ApiKeyScope.READ, widget=forms.RadioSelect,
        help_text="A read-only key can list and read; a read-write key can also create orders and bookings.",
        error_messages={"required": "Choose what the key may do.",
                        "invalid_choice": "Choose read only or read and write."},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Name the key, e.g. “CRM sync”, so you can tell your keys apart.")
        return name
