"""Forms of Settings > Calendars: they validate and convert; reading the calendar is the service's."""
from django import forms

from calendars import net

ALL_DAY_HELP = "Events that last whole days (holidays, trips) block those days when this is ticked."


class _AddressField(forms.CharField):
    def clean(self, value):
        value = _webcal(super().clean(value))
        try:
            return net.check_url(value)
        except net.FetchError as error:
            raise forms.ValidationError(str(error)) from error


class FeedForm(forms.Form):
    url = _AddressField(label="Calendar address (ICS)", max_length=2000,
                        help_text="Google: “Secret address in iCal format”; Outlook: a published calendar's ICS "
                                  "link; iCloud: a public calendar's link (webcal:// works as https://).")
    name = forms.CharField(label="Name", max_length=100, required=False)
    all_day_busy = forms.BooleanField(label="All-day events make me busy", required=False, initial=True,
                                      help_text=ALL_DAY_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="feed", **kwargs)


class CalDAVForm(forms.Form):
    url = _AddressField(label="Server address", max_length=2000,
                        help_text="e.g. https://caldav.fastmail.com/, https://caldav.icloud.com/, "
                                  "https://cloud.example.com/remote.php/dav/")
    username = forms.CharField(label="User name", max_length=200)
    password = forms.CharField(label="App password", max_length=500, widget=forms.PasswordInput(render_value=False),
                               help_text="An app password made for this, not your account password. It is "
                                         "stored encrypted and never shown again.")
    name = forms.CharField(label="Name", max_length=100, required=False)
    all_day_busy = forms.BooleanField(label="All-day events make me busy", required=False, initial=True,
                                      help_text=ALL_DAY_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="caldav", **kwargs)


def _webcal(value: str) -> str:
    value = (value or "").strip()
    return "https://" + value[len("webcal://"):] if value.lower().startswith("webcal://") else value


class ChooseForm(forms.Form):
    """Which calendars of a CalDAV account are checked for conflicts, and the one bookings go to."""

    def __init__(self, *args, calendars, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(calendar.pk), calendar.name) for calendar in calendars]
        self.fields["checked"] = forms.MultipleChoiceField(
            label="Check these calendars for conflicts", choices=choices, required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=[str(calendar.pk) for calendar in calendars if calendar.check_conflicts])
        self.fields["add_bookings"] = forms.ChoiceField(
            label="Add bookings to", choices=[("", "None")] + choices, required=False,
            initial=next((str(calendar.pk) for calendar in calendars if calendar.add_bookings), ""))

    def clean_checked(self) -> set[int]:
        return {int(value) for value in self.cleaned_data["checked"]}

    def clean_add_bookings(self) -> int | None:
        value = self.cleaned_data["add_bookings"]
        return int(value) if value else None


class AllDayForm(forms.Form):
    all_day_busy = forms.BooleanField(label="All-day events make me busy", required=False)
