"""The Clients page's search and the erase confirmation."""
from django import forms

from leadmonk.widgets import FastTextInput


class ClientSearchForm(forms.Form):
    """A bad search (a NUL byte, too long) shows every client and says why."""

    q = forms.CharField(label="Search", required=False, max_length=200,
                        widget=FastTextInput(attrs={"type": "search", "placeholder": "Name or email"}))


class ClientEraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this client's details are erased for good and cannot be brought back.",
        error_messages={"required": "Tick the box to confirm that you want to erase this client."},
    )
