"""Forms of the scheduling setup pages. They validate and convert (offsets typed as "24h, 1h"
become minutes) and say what is wrong next to the field; the writes are in setup_services."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.html import format_html

from accounts.models import SLUG_RE
from leadmonk.phones import normalize_mobile
from scheduling.models import MAX_MEETING_MINUTES, LocationKind, MeetingType, MeetingTypeKind, PhoneCaller, Visibility
from scheduling.price_forms import PaidSessionFieldsMixin
from scheduling.setup_selectors import meeting_type_slug_taken
from scheduling.setup_services import (
    DEFAULT_HOURS,
    OVERRIDE_TOO_FAR,
    WEEKDAY_NAMES,
    hours_problem,
    override_last_day,
    override_range_too_far,
)

MINUTE, HOUR, DAY, WEEK = 1, 60, 24 * 60, 7 * 24 * 60
MAX_REMINDERS_PER_CHANNEL = 3
MAX_REMINDER_OFFSET = 30 * DAY
MAX_MIN_NOTICE = 30 * DAY

COMMON_OFFSETS = [
    (15, "15 min"), (30, "30 min"), (HOUR, "1 h"), (2 * HOUR, "2 h"), (4 * HOUR, "4 h"),
    (DAY, "24 h"), (2 * DAY, "48 h"), (WEEK, "1 week"),
]
COMMON_OFFSET_VALUES = {value for value, _ in COMMON_OFFSETS}

_UNITS = {
    "m": MINUTE, "min": MINUTE, "mins": MINUTE, "minute": MINUTE, "minutes": MINUTE,
    "h": HOUR, "hr": HOUR, "hrs": HOUR, "hour": HOUR, "hours": HOUR,
    "d": DAY, "day": DAY, "days": DAY,
    "w": WEEK, "wk": WEEK, "week": WEEK, "weeks": WEEK,
}
_PART_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")


def parse_duration(text: str, *, allow_bare_zero: bool = False) -> int:
    """ "24h", "1 h 30 min", "2d", "1.5h", "1w" -> minutes. Raises ValidationError in plain words."""
    cleaned = text.strip().lower()
    if allow_bare_zero and cleaned in {"0", "none"}:
        return 0
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        raise ValidationError(f"“{text.strip()}” needs a unit, for example {cleaned}m or {cleaned}h.")
    compact = cleaned.replace(" ", "")
    parts = list(_PART_RE.finditer(compact))
    if not parts or "".join(part.group(0) for part in parts) != compact:
        raise ValidationError(f"“{text.strip()}” is not a time we understand. Write it like 30m, 2h, 1d or 1w.")
    total = Decimal(0)
    for part in parts:
        unit = _UNITS.get(part.group(2))
        if unit is None:
            raise ValidationError(f"“{part.group(2)}” is not a unit we know. Use m, h, d or w.")
        # Decimal, not float: 2.05h is 123 minutes exactly (a float made it 122.99999999999999).
        total += Decimal(part.group(1)) * unit
    if total != int(total):
        raise ValidationError(f"“{text.strip()}” is not a whole number of minutes.")
    return int(total)


def format_duration(minutes: int) -> str:
    """Minutes -> the short form `parse_duration` reads back ("90m", "2h", "2d", "1w")."""
    for unit, size in (("w", WEEK), ("d", DAY), ("h", HOUR)):
        if minutes and minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def describe_duration(minutes: int) -> str:
    """Minutes -> words for the screen ("1 h 30 min", "24 h", "1 week")."""
    if minutes and minutes % WEEK == 0:
        weeks = minutes // WEEK
        return f"{weeks} week" + ("s" if weeks > 1 else "")
    if minutes and minutes % DAY == 0 and minutes > 2 * DAY:
        return f"{minutes // DAY} days"
    hours, rest = divmod(minutes, HOUR)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def _bounded_minutes(label: str, low: int, high: int, unit: str = "minutes", **kw) -> forms.IntegerField:
    message = f"{label} must be between {low} and {high} {unit}."
    return forms.IntegerField(
        label=kw.pop("field_label", f"{label} ({unit})"),
        min_value=low, max_value=high,
        error_messages={
            "required": f"Enter the {label.lower()} in {unit}.",
            "invalid": f"{label} must be a whole number of {unit}.",
            "min_value": message, "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kw,
    )


def _in_sentence(label: str) -> str:
    """A channel's label inside a sentence: "email", but "SMS" stays an acronym."""
    return label if label.isupper() else label.lower()


class ReminderFieldsMixin(forms.Form):
    """The reminder settings of a meeting type, personal or team: email and SMS each on or off, with
    up to three times before the session (common ones ticked, others typed as "3h, 90m"). Cleaning
    adds `email_reminder_offsets` and `sms_reminder_offsets` (minutes, largest first) to the data."""

    REMINDER_FIELDS = (
        "email_reminders_enabled", "email_offsets_common", "email_offsets_other",
        "sms_reminders_enabled", "sms_offsets_common", "sms_offsets_other",
    )

    email_reminders_enabled = forms.BooleanField(label="Send email reminders", required=False, initial=True)
    email_offsets_common = forms.TypedMultipleChoiceField(
        label="Email reminder times", choices=COMMON_OFFSETS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, initial=[DAY],
        error_messages={"invalid_choice": "Choose reminder times from the list."},
    )
    email_offsets_other = forms.CharField(
        label="Other email reminder times", required=False, max_length=200,
        help_text="Before the session, separated by commas, e.g. 3h, 90m. At most 3 reminders in all.",
    )
    sms_reminders_enabled = forms.BooleanField(label="Send SMS reminders", required=False, initial=True)
    sms_offsets_common = forms.TypedMultipleChoiceField(
        label="SMS reminder times", choices=COMMON_OFFSETS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, initial=[HOUR],
        error_messages={"invalid_choice": "Choose reminder times from the list."},
    )
    sms_offsets_other = forms.CharField(
        label="Other SMS reminder times", required=False, max_length=200,
        help_text="Before the session, separated by commas, e.g. 3h, 90m. At most 3 reminders in all.",
    )

    @staticmethod
    def reminder_initial(instance) -> dict:
        """The form's reminder values for a saved meeting type (anything with the four settings)."""
        initial = {
            "email_reminders_enabled": instance.email_reminders_enabled,
            "sms_reminders_enabled": instance.sms_reminders_enabled,
        }
        for channel in ("email", "sms"):
            offsets = list(getattr(instance, f"{channel}_reminder_offsets") or [])
            initial[f"{channel}_offsets_common"] = [m for m in offsets if m in COMMON_OFFSET_VALUES]
            initial[f"{channel}_offsets_other"] = ", ".join(
                format_duration(m) for m in offsets if m not in COMMON_OFFSET_VALUES
            )
        return initial

    def order_fields(self, field_order) -> None:
        # Declared fields of a base class come first; the reminders belong after the form's own.
        super().order_fields(field_order)
        for name in self.REMINDER_FIELDS:
            self.fields[name] = self.fields.pop(name)

    def _clean_offsets(self, channel: str, label: str) -> list[int]:
        common = self.cleaned_data.get(f"{channel}_offsets_common") or []
        other_field = f"{channel}_offsets_other"
        other_text = self.cleaned_data.get(other_field) or ""
        offsets = list(common)
        for item in (part for part in other_text.split(",") if part.strip()):
            try:
                offsets.append(parse_duration(item))
            except ValidationError as error:
                self.add_error(other_field, error)
                return []
        seen: set[int] = set()
        for minutes in offsets:
            if minutes in seen:
                self.add_error(other_field, f"{describe_duration(minutes)} is listed twice.")
                return []
            seen.add(minutes)
            if not MINUTE <= minutes <= MAX_REMINDER_OFFSET:
                self.add_error(
                    other_field, f"{label} reminders must be between 1 minute and 30 days before the session."
                )
                return []
        if len(offsets) > MAX_REMINDERS_PER_CHANNEL:
            self.add_error(other_field, f"Choose at most {MAX_REMINDERS_PER_CHANNEL} {_in_sentence(label)} reminders.")
            return []
        if self.cleaned_data.get(f"{channel}_reminders_enabled") and not offsets:
            self.add_error(other_field, f"Choose at least one time, or turn {_in_sentence(label)} reminders off.")
        return sorted(offsets, reverse=True)

    def clean(self) -> dict:
        data = super().clean()
        data["email_reminder_offsets"] = self._clean_offsets("email", "Email")
        data["sms_reminder_offsets"] = self._clean_offsets("sms", "SMS")
        return data

    def reminder_service_fields(self) -> dict:
        """The cleaned settings, named as the meeting type models store them."""
        data = self.cleaned_data
        return {name: data[name] for name in (
            "email_reminders_enabled", "email_reminder_offsets", "sms_reminders_enabled", "sms_reminder_offsets",
        )}


class MeetingTypeSettingsForm(ReminderFieldsMixin, forms.Form):
    """The settings every meeting type has, personal or team (scheduling.models.MeetingTypeSettings):
    one set of fields, labels, checks and messages for both forms, shown by one template include
    (scheduling/dashboard/_meeting_type_settings.html). A subclass adds its own fields (its kind,
    seats or hosts), says where its booking link lives and whether a link is taken."""

    name = forms.CharField(label="Name", max_length=200, error_messages={
        "required": "Give the meeting type a name.",
        "max_length": "Keep the name under 200 characters.",
    })
    slug = forms.CharField(label="Link", max_length=80, required=False, error_messages={
        "max_length": "Keep the link under 80 characters.",
    })
    duration_minutes = _bounded_minutes("Duration", 5, MAX_MEETING_MINUTES, initial=30)
    description = forms.CharField(label="Description", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"max_length": "Keep the description under 5000 characters."})
    location_kind = forms.ChoiceField(label="Location", choices=LocationKind.choices, initial=LocationKind.VIDEO,
                                      error_messages={"invalid_choice": "Choose a location from the list."})
    location_details = forms.CharField(
        label="Location details", max_length=500, required=False,
        help_text="The video link, the phone number to call, or the address (clients get a map link). "
                  "Not needed for a new video room: each booking gets its own.",
        error_messages={"max_length": "Keep the location details under 500 characters."},
    )
    phone_caller = forms.ChoiceField(
        label="Who calls whom", choices=PhoneCaller.choices, required=False,
        help_text="For phone calls only.",
        error_messages={"invalid_choice": "Choose who calls from the list."})
    buffer_before_minutes = _bounded_minutes("Buffer before", 0, 240, initial=0,
                                             help_text="Free time kept before each session.")
    buffer_after_minutes = _bounded_minutes("Buffer after", 0, 240, initial=0,
                                            help_text="Free time kept after each session.")
    min_notice = forms.CharField(label="Minimum notice", max_length=40, initial="4h", error_messages={
        "required": "Enter the minimum notice, for example 4h (or 0 for none).",
    }, help_text="How long before a session clients can still book, reschedule or cancel: 30m, 4h, 2d… "
                 "(0 for none; at most 30 days).")
    horizon_days = _bounded_minutes("Booking window", 1, 365, unit="days", initial=60,
                                    help_text="How far ahead clients can book.")
    slot_step_minutes = _bounded_minutes("Slot step", 5, 720, initial=30,
                                         help_text="Start times are offered every this many minutes.")
    requires_mobile = forms.BooleanField(
        label="Ask clients for a mobile number (required)", required=False,
        help_text="Without one, SMS reminders reach only the clients who give a number.")
    visibility = forms.ChoiceField(
        label="Who can book", choices=Visibility.choices, initial=Visibility.PUBLIC, widget=forms.RadioSelect,
        required=False, error_messages={"invalid_choice": "Choose who can book this meeting type."},
        help_text="Public: listed on your booking page. Secret: not listed; booked through its own link, "
                  "which you can regenerate. Package only: not listed; booked only from the order page of "
                  "a package that includes it.")

    # Form fields whose value the model stores under another name (and in other units).
    STORED_AS = {"min_notice": "min_notice_minutes"}

    def __init__(self, *args, link_prefix: str, instance=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(instance)
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = format_html(
            "Your booking link: {}<b>link</b>/. Leave blank to make it from the name.", link_prefix)

    @classmethod
    def setting_names(cls) -> list[str]:
        """The shared fields of the form but the reminders (ReminderFieldsMixin has those)."""
        return [name for name in MeetingTypeSettingsForm.base_fields if name not in cls.REMINDER_FIELDS]

    @classmethod
    def initial_for(cls, instance) -> dict:
        """The form's values for a saved meeting type, personal or team."""
        initial = {name: getattr(instance, name) for name in cls.setting_names() if name not in cls.STORED_AS}
        minutes = instance.min_notice_minutes
        initial["min_notice"] = format_duration(minutes) if minutes else "0"
        initial.update(cls.reminder_initial(instance))
        return initial

    def own_fields(self) -> list[forms.BoundField]:
        """The subclass's own visible fields (its kind and the like), shown with the basics."""
        return [field for field in self.visible_fields() if field.name not in MeetingTypeSettingsForm.base_fields]

    def slug_problem(self, slug: str) -> str | None:
        """Why `slug` cannot be this meeting type's link (a subclass knows which are taken)."""
        return None

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Give the meeting type a name.")
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        if not slug:
            return ""  # the service makes one from the name
        if not SLUG_RE.match(slug):
            raise ValidationError("Use lowercase letters, numbers and single hyphens (for example intro-call).")
        problem = self.slug_problem(slug)
        if problem:
            raise ValidationError(problem)
        return slug

    def clean_visibility(self) -> str:
        # Not sent (a form of another page, a script): what it was, Public for a new type.
        return self.cleaned_data["visibility"] or getattr(self.instance, "visibility", Visibility.PUBLIC)

    def clean_min_notice(self) -> int:
        minutes = parse_duration(self.cleaned_data["min_notice"], allow_bare_zero=True)
        if minutes > MAX_MIN_NOTICE:
            raise ValidationError("Minimum notice must be between 0 and 30 days.")
        return minutes

    def clean(self) -> dict:
        data = super().clean()
        notice, horizon_days = data.get("min_notice"), data.get("horizon_days")
        if notice is not None and horizon_days is not None and notice >= horizon_days * DAY:
            # A start must be at least the notice and at most the window ahead: none could be.
            self.add_error("min_notice", f"A minimum notice of {describe_duration(notice)} is as long as the "
                                         f"booking window ({horizon_days} day{'s' if horizon_days != 1 else ''}), "
                                         "so no time could ever be booked. Shorten the notice or lengthen the window.")
        location_kind, details = data.get("location_kind"), (data.get("location_details") or "").strip()
        data["location_details"] = details
        if location_kind != LocationKind.PHONE:
            data["phone_caller"] = ""
        if location_kind == LocationKind.IN_PERSON and not details:
            self.add_error("location_details", "Add the address for in-person meetings.")
        elif location_kind == LocationKind.VIDEO and details:
            try:
                URLValidator(schemes=["http", "https"])(details)
            except ValidationError:
                self.add_error("location_details", "Enter the full video link, starting with https://.")
        elif location_kind == LocationKind.VIDEO_ROOM:
            # Each booking gets its own room: there is no link to keep.
            data["location_details"] = ""
        elif location_kind == LocationKind.PHONE and data.get("phone_caller") == PhoneCaller.CLIENT:
            if not details:
                self.add_error("location_details", "Add the number clients call, e.g. +1 415 555 0100.")
            else:
                try:
                    data["location_details"] = normalize_mobile(details)
                except ValidationError:
                    self.add_error("location_details",
                                   "Enter the number clients call with its country code, e.g. +1 415 555 0100.")
        return data

    def settings_service_fields(self) -> dict:
        """The cleaned settings, named as MeetingTypeSettings stores them."""
        data = self.cleaned_data
        fields = {self.STORED_AS.get(name, name): data[name] for name in self.setting_names()}
        fields.update(self.reminder_service_fields())
        return fields


class MeetingTypeForm(PaidSessionFieldsMixin, MeetingTypeSettingsForm):
    """A personal meeting type: the shared settings, plus its kind and seats, and its price (a paid
    single session; the Payment section)."""

    kind = forms.ChoiceField(label="Kind", choices=MeetingTypeKind.choices, widget=forms.RadioSelect,
                             initial=MeetingTypeKind.ONE_ON_ONE,
                             error_messages={"invalid_choice": "Choose 1:1 or Group."})
    capacity = forms.IntegerField(label="Capacity (seats, group only)", required=False, error_messages={
        "invalid": "Capacity must be a whole number of seats.",
    }, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="How many clients can book the same session (2–500).")
    waitlist_claim_hours = forms.IntegerField(
        # One line, like "Capacity (seats, group only)" beside it: a label on two lines put this
        # box lower than the other boxes of its row.
        label="Waitlist hours (group only)", required=False, min_value=1, max_value=168,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="When a seat of a full session frees, the first in line gets this many hours to claim it "
                  "(default 12).",
        error_messages={"invalid": "Enter a whole number of hours, e.g. 12.",
                        "min_value": "Enter at least 1 hour.", "max_value": "Enter at most 168 hours (a week)."})

    def __init__(self, *args, owner, instance: MeetingType | None = None, **kwargs):
        self.owner = owner
        super().__init__(*args, link_prefix=f"/{owner.slug}/", instance=instance, **kwargs)
        self.init_paid_fields(owner=owner)
        if not owner.has_sms:
            # The setting is kept (it applies from an upgrade on); what the plan sends is said here.
            self.fields["sms_reminders_enabled"].help_text = (
                "Not sent on the Free plan: SMS reminders are part of Pro and above. Upgrade on the Plan page."
            )

    @classmethod
    def initial_for(cls, instance: MeetingType) -> dict:
        initial = super().initial_for(instance)
        initial["kind"] = instance.kind
        initial["capacity"] = instance.capacity if instance.is_group else None
        initial["waitlist_claim_hours"] = instance.waitlist_claim_hours
        initial.update(cls.paid_initial(instance))
        return initial

    def own_fields(self) -> list[forms.BoundField]:
        return [field for field in super().own_fields() if field.name not in self.PAID_FIELDS]

    def paid_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PAID_FIELDS]

    def slug_problem(self, slug: str) -> str | None:
        if slug == "packages":
            return "“packages” is used by your package pages. Choose another link."
        exclude_pk = self.instance.pk if self.instance is not None else None
        if meeting_type_slug_taken(owner=self.owner, slug=slug, exclude_pk=exclude_pk):
            return f"You already have a meeting type with the link “{slug}”. Choose another."
        return None

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == MeetingTypeKind.GROUP and "capacity" not in self.errors:
            capacity = data.get("capacity")
            if capacity is None or not 2 <= capacity <= 500:
                self.add_error("capacity", "A group meeting needs a capacity between 2 and 500 seats.")
        self.clean_paid_fields(data)
        return data

    def service_fields(self) -> dict:
        """The cleaned values, named as setup_services.meeting_type_create/update take them."""
        fields = self.settings_service_fields()
        fields["kind"] = self.cleaned_data["kind"]
        fields["capacity"] = self.cleaned_data.get("capacity") or 1
        fields["waitlist_claim_hours"] = self.cleaned_data.get("waitlist_claim_hours") or 12
        fields.update(self.paid_service_fields())
        return fields


# ---------------------------------------------------------------------------------------------
# Availability

MAX_ROWS_PER_DAY = 12
# One blank row under each day's hours: enough to add a break without JavaScript; with it, "+ Add
# hours" adds more.
BLANK_ROWS_PER_DAY = 1


def _time_field() -> forms.TimeField:
    return forms.TimeField(
        required=False, input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
        error_messages={"invalid": "Enter a time as HH:MM."},
    )


class _IntervalRows:
    """Shared logic of forms with rows of (start, end) time inputs."""

    def _add_rows(self, prefix: str, count: int, label: str, initial: list[tuple[dt.time, dt.time]]) -> None:
        for index in range(count):
            start = self.fields[f"{prefix}-{index}-start"] = _time_field()
            end = self.fields[f"{prefix}-{index}-end"] = _time_field()
            start.label = f"{label}, hours {index + 1}, from"
            end.label = f"{label}, hours {index + 1}, to"
            if index < len(initial):
                start.initial, end.initial = initial[index]

    def _rows(self, prefix: str, count: int) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"{prefix}-{i}-start"], self[f"{prefix}-{i}-end"]) for i in range(count)]

    def _collect(self, prefix: str, count: int, label: str) -> tuple[list[tuple[dt.time, dt.time]], list[str]]:
        """The filled rows, and what is wrong with them (worded with `label`)."""
        intervals, problems = [], []
        for index in range(count):
            start_name, end_name = f"{prefix}-{index}-start", f"{prefix}-{index}-end"
            if start_name in self.errors or end_name in self.errors:
                problems.append(f"{label}: a time in row {index + 1} could not be read. Use HH:MM.")
                continue
            start, end = self.cleaned_data.get(start_name), self.cleaned_data.get(end_name)
            if start is None and end is None:
                continue
            if start is None or end is None:
                problems.append(f"{label}: row {index + 1} needs both a start and an end time.")
                continue
            intervals.append((start, end))
        if not problems:
            problem = hours_problem(intervals)
            if problem:
                problems.append(f"{label}: {problem}")
        return intervals, problems


def _row_count(data, name: str, default: int) -> int:
    try:
        count = int(data.get(name, default))
    except (TypeError, ValueError):
        count = default
    return max(1, min(count, MAX_ROWS_PER_DAY))


def _copy_source(data) -> int | None:
    """The weekday whose "Copy to all days" button was pressed, if any."""
    value = data.get("copy_from")
    return int(value) if value in {str(weekday) for weekday in range(7)} else None


class WeeklyHoursForm(_IntervalRows, forms.Form):
    """Seven days, each with an on/off switch and rows of hours. A day that is off is closed and its
    rows are ignored (they keep a suggestion, 09:00–17:00, so switching a day on is one click). Blank
    rows are ignored, so the page works without JavaScript."""

    def __init__(self, data=None, *, hours: dict[int, list[tuple[dt.time, dt.time]]] | None = None):
        super().__init__(data, label_suffix="")
        hours = hours or {}
        self.row_counts: dict[int, int] = {}
        for weekday in range(7):
            day_hours = hours.get(weekday, [])
            shown = day_hours or [DEFAULT_HOURS]
            default = min(len(shown) + BLANK_ROWS_PER_DAY, MAX_ROWS_PER_DAY)
            count = _row_count(data, f"d{weekday}-rows", default) if data is not None else default
            self.row_counts[weekday] = count
            self.fields[f"d{weekday}-on"] = forms.BooleanField(
                label=WEEKDAY_NAMES[weekday], required=False, initial=bool(day_hours),
                widget=forms.CheckboxInput(attrs={"role": "switch", "data-day-switch": ""}),
            )
            self._add_rows(f"d{weekday}", count, WEEKDAY_NAMES[weekday], shown)
        self.day_errors: dict[int, list[str]] = {}

    def is_on(self, weekday: int) -> bool:
        return bool(self.cleaned_data.get(f"d{weekday}-on"))

    def clean(self) -> dict:
        data = super().clean()
        hours = {}
        for weekday in range(7):
            prefix, count = f"d{weekday}", self.row_counts[weekday]
            if not self.is_on(weekday):
                # A closed day's rows are not read, so a half-typed time there blocks nothing.
                for index in range(count):
                    self.errors.pop(f"{prefix}-{index}-start", None)
                    self.errors.pop(f"{prefix}-{index}-end", None)
                hours[weekday] = []
                continue
            intervals, problems = self._collect(prefix, count, WEEKDAY_NAMES[weekday])
            if not intervals and not problems:
                problems = [f"{WEEKDAY_NAMES[weekday]} is switched on but has no hours: enter them, or switch it off."]
            if problems:
                self.day_errors[weekday] = problems
            hours[weekday] = intervals
        if self.day_errors:
            raise ValidationError([problem for problems in self.day_errors.values() for problem in problems])
        data["hours"] = hours
        data["copied_from"] = None
        source = _copy_source(self.data)
        if source is not None:
            if not self.is_on(source):
                raise ValidationError(f"Switch {WEEKDAY_NAMES[source]} on before copying its hours.")
            data["copied_from"] = source
            for weekday in range(7):
                if self.is_on(weekday):
                    hours[weekday] = list(hours[source])
        return data

    def days(self) -> list[dict]:
        return [
            {
                "weekday": weekday, "name": WEEKDAY_NAMES[weekday], "prefix": f"d{weekday}",
                "switch": self[f"d{weekday}-on"],
                "row_count": self.row_counts[weekday],
                "rows": self._rows(f"d{weekday}", self.row_counts[weekday]),
                "errors": self.day_errors.get(weekday, []),
            }
            for weekday in range(7)
        ]


class DateOverrideForm(_IntervalRows, forms.Form):
    ROWS = 3
    CLOSED, HOURS = "closed", "hours"
    MAX_RANGE_DAYS = 92
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           input_formats=["%Y-%m-%d"],
                           error_messages={"required": "Choose a date.", "invalid": "Enter a date as YYYY-MM-DD."})
    # A holiday is a range: every date from `date` to `date_to` gets the same override.
    date_to = forms.DateField(
        label="Until (optional)", required=False, input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="For several days in a row (a holiday): the last date. Leave empty for one date.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    mode = forms.ChoiceField(label="On that date", widget=forms.RadioSelect, initial=CLOSED,
                             choices=[(CLOSED, "Closed all day"), (HOURS, "Open at these hours instead")],
                             error_messages={"required": "Choose closed or other hours.",
                                             "invalid_choice": "Choose closed or other hours."})

    def __init__(self, data=None, *, today: dt.date):
        super().__init__(data, label_suffix="")
        self.today = today
        self._add_rows("o", self.ROWS, "Override", [])
        self.fields["date"].widget.attrs["min"] = today.isoformat()
        for name in ("date", "date_to"):
            self.fields[name].widget.attrs["max"] = override_last_day(today).isoformat()

    def clean_date(self) -> dt.date:
        date = self.cleaned_data["date"]
        if date < self.today:
            raise ValidationError("That date is in the past. Choose today or a later date.")
        if date > override_last_day(self.today):
            raise ValidationError(OVERRIDE_TOO_FAR)
        return date

    def clean(self) -> dict:
        data = super().clean()
        data["intervals"] = []
        first, last = data.get("date"), data.get("date_to")
        if first is not None and last is not None:
            if last < first:
                self.add_error("date_to", "The last date must be on or after the first.")
            elif (last - first).days + 1 > self.MAX_RANGE_DAYS:
                self.add_error("date_to", f"Choose at most {self.MAX_RANGE_DAYS} days at a time.")
            elif last > override_last_day(self.today):
                # The first date is held to the limit by clean_date; a range must end inside it too.
                self.add_error("date_to", override_range_too_far(override_last_day(self.today)))
        if data.get("mode") == self.CLOSED:
            # A closed date's rows are not read (as a switched-off weekday's): a half-typed time
            # there blocks nothing.
            for index in range(self.ROWS):
                self.errors.pop(f"o-{index}-start", None)
                self.errors.pop(f"o-{index}-end", None)
        if data.get("mode") == self.HOURS:
            intervals, problems = self._collect("o", self.ROWS, "Hours")
            if problems:
                raise ValidationError(problems)
            if not intervals:
                raise ValidationError("Enter at least one set of hours, or choose “Closed all day”.")
            data["intervals"] = intervals
        return data

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return self._rows("o", self.ROWS)

    def dates(self) -> list[dt.date]:
        """Every date the override is for (one, or each of a range); call after is_valid()."""
        first = self.cleaned_data["date"]
        last = self.cleaned_data.get("date_to") or first
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
