"""CSV downloads of the owner's rows for a date range (orders, bookings, payments, credit ledger).

Why streamed: an owner may have tens of thousands of rows; StreamingHttpResponse over a queryset's
.iterator() writes them one by one, so memory stays constant whatever the range. Why the cells are
guarded: a spreadsheet runs a cell starting with = + - @ as a formula (CSV injection), and client
names and notes are typed by strangers, so such cells are prefixed with an apostrophe."""
from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from leadmonk.widgets import FastDateInput

MAX_RANGE_DAYS = 366
# The full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20) too: spreadsheets read "＝1+1" as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_DATE_FORMATS = ["%Y-%m-%d"]


# The ranges offered as one click beside the two dates: (label, first day, last day) from today.
PERIODS: dict[str, tuple[str, Callable[[dt.date], tuple[dt.date, dt.date]]]] = {
    "last_30_days": ("Last 30 days", lambda today: (today - dt.timedelta(days=29), today)),
    "this_year": ("This year", lambda today: (today.replace(month=1, day=1), today)),
}


class ExportRangeForm(forms.Form):
    """From and to dates (inclusive, in the owner's time zone) of one export."""

    @property
    def periods(self) -> list[tuple[str, str]]:
        """The one-click ranges offered beside the dates (key, label)."""
        return [(key, label) for key, (label, _dates) in PERIODS.items()]

    date_from = forms.DateField(
        label="From", input_formats=_DATE_FORMATS, widget=FastDateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the first day, e.g. 2026-01-01.",
                        "invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-01-01."},
    )
    date_to = forms.DateField(
        label="To", input_formats=_DATE_FORMATS, widget=FastDateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the last day, e.g. 2026-01-31.",
                        "invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-01-31."},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not (1970 <= day.year <= 2999):
                self.add_error(name, "Enter a date between 1970 and 2999.")
        if self.errors:
            return cleaned
        if start is not None and end is not None:
            if end < start:
                self.add_error("date_to", "The last day must be on or after the first day.")
            elif (end - start).days + 1 > MAX_RANGE_DAYS:
                self.add_error("date_to", f"Choose at most {MAX_RANGE_DAYS} days; split a longer range into parts.")
        return cleaned

    def bounds(self, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
        """The half-open UTC interval [from 00:00, day after to 00:00) in the owner's zone."""
        tz = _zone(tz_name)
        start = dt.datetime.combine(self.cleaned_data["date_from"], dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.cleaned_data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def period_dates(period: str, tz_name: str, now: dt.datetime | None = None) -> dict[str, str] | None:
    """The date_from/date_to of a named period, ending today in the owner's zone (None if unknown)."""
    if period not in PERIODS:
        return None
    today = (now or dt.datetime.now(dt.UTC)).astimezone(_zone(tz_name)).date()
    first, last = PERIODS[period][1](today)
    return {"date_from": first.isoformat(), "date_to": last.isoformat()}


def _zone(tz_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def safe_cell(value) -> str:
    """One cell as text, with formula-looking text neutralised. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def local_time(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """A UTC instant as the owner reads it, spreadsheet-friendly (no zone suffix: the header names it)."""
    if value is None:
        return ""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _stream(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # BOM: Excel then reads the file as UTF-8.
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def export_response(
    request: HttpRequest, *, title: str, basename: str, back_url: str,
    header: Callable[[str], list[str]], rows: Callable[[dt.datetime, dt.datetime, zoneinfo.ZoneInfo], Iterable[list]],
) -> HttpResponse:
    """The form page (no dates yet, or bad ones, with the message next to the field) or the file.

    header(zone_name) gives the column names; rows(start_utc, end_utc, zone) the row values."""
    tz_name = getattr(request.user, "timezone", "") or "UTC"
    tz = _zone(tz_name)
    # "Last 30 days", "This year": one click, no dates to type (an unknown period shows the form).
    data = period_dates(request.GET.get("period", ""), tz.key) or request.GET
    bound = bool(data.get("date_from") or data.get("date_to"))
    form = ExportRangeForm(data if bound else None)
    if not bound or not form.is_valid():
        return render(request, "exports/export_form.html",
                      {"form": form, "title": title, "back_url": back_url, "zone": tz.key},
                      status=400 if bound else 200)
    start, end = form.bounds(tz.key)
    filename = f"{basename}-{form.cleaned_data['date_from']:%Y-%m-%d}-to-{form.cleaned_data['date_to']:%Y-%m-%d}.csv"
    response = StreamingHttpResponse(
        _stream(header(tz.key), rows(start, end, tz)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
