"""The booking step every page that books or moves a session shares: pick a time in the month
picker, confirm it, POST. And cancelling with a reason. Six pages pick, confirm and POST (the
personal and the team booking pages, the client's booking page, the owner's session page, the
owner's and the client's order pages); three of them also cancel (the client's booking page, the
owner's session page, the owner's order page); "Book several sessions" uses the picker and the
check, then confirms its whole list at once. Each passes only its wording, what to do with the
chosen time, and where to go next.

Why one place: the checks between the steps (a time from a link may be stale, malformed or the
booking's own time; a posted time is checked again before the service takes its locks) must say
the same thing everywhere, and the picker's fragment (?fragment=picker, swapped in by
static/js/picker.js without a reload) must answer the same way on every page.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone

from leadmonk import splice
from leadmonk.content_version import BOOKINGS, CONTENT, cached_fragment
from leadmonk.timezones import (
    CLOCKS,
    clock_formats,
    remember_viewer_choices,
    requested_timezone_error,
    resolve_timezone,
    viewer_clock,
    viewer_timezone,
    zone_label,
)
from scheduling.availability import bookable_slot, meeting_rows, moving_meeting_slot_loader
from scheduling.booking_forms import OVERLAPS_CHOSEN, SAME_TIME, TIME_UNAVAILABLE, CancelForm, SlotForm
from scheduling.models import Booking, MeetingType
from scheduling.picker import ChosenTime, MonthPicker, month_picker, overlapping_chosen
from scheduling.selectors import (
    datetime_label,
    format_slot_start,
    parse_picker_date,
    parse_picker_month,
    parse_slot_start,
)
from scheduling.services import BookingError

FRAGMENT_PARAM = "fragment"
PICKER_FRAGMENT = "picker"
PICKER_TEMPLATE = "scheduling/_picker_month.html"
PICKER_SECTION_TEMPLATE = "scheduling/_slot_picker.html"
# What stands for the page's address in the key of a cached whole picker (the picker holds
# splice.PAGE_URL, filled per request): the entry is then shared by every page of the same meeting
# type (each order's booking page), not kept once per page.
ANY_PAGE = "(any page)"


def request_cache_key(request: HttpRequest, *parts: Any) -> str:
    """The part of a cached picker's or pick stage's key that the request chose: the query
    parameters that change what it shows, as the page reads them, plus the caller's `parts` (the
    path, the zone and clock as cookies and language give them, the minute...).

    Only those: ?month= and ?date= (parsed: junk shows what no value shows), ?tz= (the zone it
    names; a value that names none is echoed next to the field, so it stays in, cut as echoed),
    ?clock= and ?fragment=. Any other parameter (?utm=…, ?fbclid=…) changes nothing on the page, so
    it shares the entry: junk query strings cannot fill the cache (Redis, beside Celery's queue).
    The language is not here: cached_fragment and cached_public_page put it in every key."""
    get = request.GET
    typed_tz = get.get("tz")
    chosen = (
        parse_picker_month(get.get("month")), parse_picker_date(get.get("date")),
        resolve_timezone(typed_tz) or (typed_tz[:64] if typed_tz is not None else None),
        get.get("clock") if get.get("clock") in CLOCKS else None,
        get.get(FRAGMENT_PARAM) == PICKER_FRAGMENT,
    )
    return hashlib.sha256(repr((chosen, *parts)).encode()).hexdigest()


def picker_minute(now: dt.datetime) -> tuple[dt.datetime, str]:
    """The `now` to render a cached picker at, and the key of that minute (see TimeStep._cached):
    the middle of the minute for any `now` strictly inside it, `now` itself exactly on one."""
    minute = now.replace(second=0, microsecond=0)
    if now != minute:
        return minute + dt.timedelta(seconds=30), f"in:{minute.isoformat()}"
    return now, f"at:{minute.isoformat()}"


@dataclass(frozen=True)
class StepWording:
    """What a page calls its steps (templates/scheduling/_time_step.html shows them)."""

    picker_heading: str = "Pick a date"
    confirm_heading: str = "Confirm"
    confirm_button: str = "Book this time"
    confirm_note: str = ""
    picker_note: str = ""
    # A paragraph in the confirm step above the form (a paid session: its price, hold and policy).
    confirm_notice: str = ""
    # Where the confirm form opens its answer: "" (here), or "_top" inside an embedded frame when the
    # answer is a payment provider's page, which refuses to be framed.
    confirm_target: str = ""


@dataclass
class Step:
    """What the page template hands to _time_step.html as `step`."""

    stage: str  # "pick" or "confirm"
    wording: StepWording
    viewer_tz: str
    clock: str
    action_url: str
    error: str = ""
    picker: MonthPicker | None = None
    picker_html: str = ""  # the whole picker, rendered (and cached) already: see TimeStep(cache_picker=)
    form: SlotForm | None = None
    start_label: str = ""
    back_url: str = ""

    @property
    def viewer_tz_label(self) -> str:
        return zone_label(self.viewer_tz)

    @property
    def when_format(self) -> str:
        """A date and time on the viewer's clock, for the `date` filter ("Mon 7 Dec 2026, 14:00")."""
        return clock_formats(self.clock)["day_datetime"]


class TimeStep:
    """Pick → confirm → POST for one meeting type. `moving` is a booking being rescheduled: it is
    left out of the busy times, its own time is not offered, and the picker opens on its day.
    `enforce_notice=False` when the owner acts (times inside the minimum notice are offered).
    `slot_loader(range_start=, range_end=, now=)` offers the slots of a pool of hosts instead of
    `meeting_type`'s owner (a team meeting; see scheduling.availability.pooled_available_slots).
    `cache_picker=True` renders the pick stage's whole picker (zone form, month and times) here,
    cached as the month fragment is but shared by every page of the meeting type (the page's
    address is put in per request), into `Step.picker_html`, and leaves `Step.picker` None: for a
    page whose own code does not read the picker. `duration` is the length to offer and check
    instead of the meeting type's (a session of an order: the length sold); a booking being moved
    keeps its own length.
    `chosen` (picker.ChosenTime) are times the client has chosen already on a page that puts
    several sessions together: the picker does not offer the times that overlap them (it shows
    the marked ones as chosen) and the check refuses them; `picker_params` are that page's own
    query parameters, which the picker's links carry. Such a picker is the client's own: never
    cached. `owner_page=True` on the dashboard: times are in `default_tz` (the owner's zone from
    Settings) or a zone switched to on the page, never the client zone a booking page left in the
    browser's cookie (leadmonk.timezones.viewer_timezone)."""

    def __init__(self, request: HttpRequest, *, meeting_type: MeetingType, default_tz: str, wording: StepWording,
                 moving: Booking | None = None, enforce_notice: bool = True,
                 form_class: type[SlotForm] = SlotForm, form_kwargs: dict | None = None,
                 form_initial: dict | None = None, now: dt.datetime | None = None, slot_loader=None,
                 cache_picker: bool = False, duration: dt.timedelta | None = None,
                 chosen: tuple[ChosenTime, ...] = (), picker_params: dict | None = None,
                 owner_page: bool = False):
        self.request = request
        self.duration = duration or (moving.duration if moving is not None else None)
        self.chosen = chosen
        self.picker_params = picker_params or {}
        self.cache_picker = cache_picker
        self.slot_loader = slot_loader
        if slot_loader is None and moving is not None:
            rows = meeting_rows(moving)
            if len(rows) > 1:  # a meeting with several hosts moves only to a time when all are free
                self.slot_loader = moving_meeting_slot_loader(rows, enforce_notice=enforce_notice)
        self.meeting_type = meeting_type
        self.wording = wording
        self.moving = moving
        self.enforce_notice = enforce_notice
        self.form_class = form_class
        self.form_kwargs = form_kwargs or {}
        self.form_initial = form_initial or {}
        self.now = now or timezone.now()
        self.viewer_tz = viewer_timezone(request, default_tz, cookie=not owner_page)
        self.clock = viewer_clock(request)
        self.action_url = request.path

    # --- checks ----------------------------------------------------------------------------------

    def refusal(self, start: dt.datetime | None, *, offered: bool | None = None) -> str:
        """Why `start` cannot be chosen ("" when it can): missing or malformed, the booking's own
        time, overlapping a time chosen already, or not offered now (past, off the hours or the
        step, beyond the horizon, taken). `offered`: the slot engine's answer, when the caller
        asked it already for a batch of times."""
        if start is None:
            return TIME_UNAVAILABLE
        if self.moving is not None and start == self.moving.start:
            return SAME_TIME
        if overlapping_chosen(start, start + (self.duration or self.meeting_type.duration), self.chosen) is not None:
            return OVERLAPS_CHOSEN
        if offered is not None:
            return "" if offered else TIME_UNAVAILABLE
        if self.slot_loader is not None:
            offered = self.slot_loader(range_start=start, range_end=start + dt.timedelta(microseconds=1), now=self.now)
            return "" if any(slot.start == start for slot in offered) else TIME_UNAVAILABLE
        slot = bookable_slot(
            meeting_type=self.meeting_type, start=start, now=self.now, enforce_notice=self.enforce_notice,
            exclude_booking_id=self.moving.pk if self.moving else None, duration=self.duration,
        )
        return "" if slot is not None else TIME_UNAVAILABLE

    # --- the two stages --------------------------------------------------------------------------

    def _step(self, stage: str, **fields: Any) -> Step:
        return Step(stage=stage, wording=self.wording, viewer_tz=self.viewer_tz, clock=self.clock,
                    action_url=self.action_url, **fields)

    def picker(self, *, open_on: dt.date | None = None, action_url: str | None = None) -> MonthPicker:
        get = self.request.GET
        moving_day = self.moving.start.astimezone(ZoneInfo(self.viewer_tz)).date() if self.moving else None
        picker = month_picker(
            meeting_type=self.meeting_type,
            viewer_tz=self.viewer_tz,
            clock=self.clock,
            action_url=action_url or self.action_url,
            month=parse_picker_month(get.get("month")),
            selected_date=parse_picker_date(get.get("date")),
            open_on=open_on or moving_day,
            now=self.now,
            exclude_booking_id=self.moving.pk if self.moving else None,
            hide_start=self.moving.start if self.moving else None,
            enforce_notice=self.enforce_notice,
            slot_loader=self.slot_loader,
            duration=self.duration,
            extra_params=self.picker_params,
            chosen=self.chosen,
        )
        tz_error = requested_timezone_error(self.request)
        return replace(picker, tz_error=tz_error, typed_tz=get.get("tz", "")[:64] if tz_error else "")

    def _cached(self, name: str, render: Callable[[], str], *key_parts: Any, action_url: str) -> str:
        """`render()` (which reads `self.picker()`), from the cache when nothing it shows changed.

        It is keyed on the owner's content version (hours, overrides, the meeting type), their
        bookings version (bumped by every booking made, moved or cancelled, package sessions too),
        everything the request chose that it shows (request_cache_key: zone, clock, month, day; the
        booking being moved; the page's address `action_url` and own `key_parts`), the length
        offered (pages of two orders sold at different lengths share no entry) and the time.
        Time, exactly: a start is offered when `now + notice <= start <= now + horizon`, and starts,
        notices and horizons are whole minutes, so the offered set changes only at whole minutes.
        Every `now` strictly inside a minute gives what the minute's middle gives, and a `now`
        exactly on a minute (a frozen test clock) is its own key. A team meeting (a pool of hosts)
        and a client's own picker (`chosen`, `picker_params`) are rendered every time. The POST
        still checks the time under the owner's lock."""
        if self.slot_loader is not None or self.chosen or self.picker_params:
            return render()
        self.now, bucket = picker_minute(self.now)
        request_key = request_cache_key(
            self.request, self.meeting_type.pk, self.viewer_tz, self.clock, action_url,
            self.moving.pk if self.moving else None, self.moving.start.isoformat() if self.moving else None,
            self.enforce_notice, bucket, *key_parts,
            self.duration.total_seconds() if self.duration else None,
        )
        return cached_fragment(owner_id=self.meeting_type.owner_id, name=name, kinds=(CONTENT, BOOKINGS),
                               extra=request_key, render=render)

    def picker_fragment(self, *, cached: bool = True) -> str:
        """The month fragment (?fragment=picker), from the cache when nothing it shows changed
        (`cached=False`: rendered, for a caller that keeps it itself at `picker_minute(now)`)."""
        def render() -> str:
            return render_to_string(PICKER_TEMPLATE, {"picker": self.picker()})
        return self._cached("picker", render, action_url=self.action_url) if cached else render()

    def pick_stage(self, error: str = "", *, open_on: dt.date | None = None) -> Step:
        if not self.cache_picker:
            return self._step("pick", error=error, picker=self.picker(open_on=open_on))
        wording = self.wording
        section = self._cached(
            "picker_cut",  # a splice.Cut, not HTML: not the name the HTML was kept under
            lambda: splice.cut(render_to_string(PICKER_SECTION_TEMPLATE, {
                "picker": self.picker(open_on=open_on, action_url=splice.PAGE_URL.mark),
                "picker_heading": wording.picker_heading, "picker_note": wording.picker_note,
            }), splice.PAGE_URL),
            open_on.isoformat() if open_on else None, wording.picker_heading, wording.picker_note,
            action_url=ANY_PAGE,
        )
        return self._step("pick", error=error, picker_html=section.fill(page_url=self.action_url))

    def confirm_stage(self, start: dt.datetime, form: SlotForm) -> Step:
        local_day = start.astimezone(ZoneInfo(self.viewer_tz)).date()
        return self._step(
            "confirm", form=form, start_label=datetime_label(start, self.viewer_tz, self.clock),
            back_url=f"{self.action_url}?date={local_day.isoformat()}&tz={self.viewer_tz}#picker-times",
        )

    # --- the flow --------------------------------------------------------------------------------

    def handle(self, *, commit: Callable[[dict], Any], done: Callable[[Any], HttpResponse],
               page: Callable[[Step], HttpResponse]) -> HttpResponse:
        """GET shows the picker (or, with ?start=, the confirm step); POST checks the time and
        calls `commit(cleaned_data)`, a service that raises BookingError, then `done(result)`.
        Every refusal shows the picker again with the reason, and changes nothing."""
        if self.request.method == "POST":
            response = self._post(commit, done, page)
        elif self.request.GET.get(FRAGMENT_PARAM) == PICKER_FRAGMENT:
            response = HttpResponse(self.picker_fragment())
        elif "start" in self.request.GET:
            start = parse_slot_start(self.request.GET.get("start"))
            error = self.refusal(start)
            if error:
                response = page(self.pick_stage(error))
            else:
                form = self.form_class(initial={**self.form_initial, "start": format_slot_start(start)},
                                       **self.form_kwargs)
                response = page(self.confirm_stage(start, form))
        else:
            response = page(self.pick_stage())
        return remember_viewer_choices(self.request, response)

    def _post(self, commit, done, page) -> HttpResponse:
        form = self.form_class(self.request.POST, **self.form_kwargs)
        valid = form.is_valid()
        start = form.cleaned_data.get("start")
        error = self.refusal(start)
        open_on = start.astimezone(ZoneInfo(self.viewer_tz)).date() if start else None
        if error:
            return page(self.pick_stage(error, open_on=open_on))
        if not valid:  # the time is fine, something else on the form is not: show it there
            return page(self.confirm_stage(start, form))
        try:
            result = commit(form.cleaned_data)
        except BookingError as exc:  # the time went between the check above and the service's lock
            return page(self.pick_stage(exc.message, open_on=open_on))
        return done(result)


def cancel_step(request: HttpRequest, *, cancel: Callable[[str], Any], success: str, next_url: str,
                form_kwargs: dict | None = None) -> HttpResponse:
    """Cancel with a reason: validate the reason (CancelForm), call `cancel(reason)` (a service that
    raises BookingError), say what happened and go to `next_url`. A refused reason changes nothing."""
    form = CancelForm(request.POST, **(form_kwargs or {}))
    if not form.is_valid():
        messages.error(request, form.error_message())
        return redirect(next_url)
    try:
        cancel(form.cleaned_data["reason"])
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(next_url)
