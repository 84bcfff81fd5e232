"""The client's "Book several sessions" page /orders/<token>/sessions/: pick times across the
order's items (the booking step's picker and check, scheduling.booking_step.TimeStep: times
chosen already are marked and their overlaps not offered), repeat one weekly, review them in one
list, confirm once.

Works without JavaScript: the chosen times travel in the query string (?picks=<item>@<start>,…)
and the confirm form's hidden input; every link of the page (picker days, months, times, "remove",
"take this instead") carries them. The booking itself is orders.session_sets (all or nothing).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from leadmonk.languages import translatable as _
from leadmonk.throttle import throttle_post
from leadmonk.timezones import remember_viewer_choices, viewer_clock, viewer_timezone
from orders.models import OrderItem, PackageOrder
from orders.public_views import order_details_url, order_for_token_or_404
from orders.rules import client_phone_needed, order_booking_refusal
from orders.selectors import with_item_progress
from orders.session_sets import MAX_SESSIONS_PER_SET, SessionChoice, SessionSetRefused, order_sessions_book
from scheduling.availability import available_slots, bookable_starts
from scheduling.booking_forms import ClientPhoneForm
from scheduling.booking_step import FRAGMENT_PARAM, PICKER_FRAGMENT, StepWording, TimeStep
from scheduling.picker import ChosenTime, overlapping_chosen
from scheduling.selectors import datetime_label, format_slot_start, parse_slot_start

PICKS_PARAM = "picks"
FULL = _("You have chosen all the sessions left for this item.")


@dataclass
class Pick:
    """A chosen session as the page shows it."""

    item: OrderItem
    start: dt.datetime
    label: str = ""
    free: bool = True
    remove_url: str = ""

    @property
    def value(self) -> str:
        return f"{self.item.pk}@{format_slot_start(self.start)}"

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.item.duration_minutes)

    def as_chosen(self, item: OrderItem) -> ChosenTime:
        """This pick as the picker of `item` sees it: marked when it is a time of that item."""
        return ChosenTime(start=self.start, end=self.end, marked=self.item.pk == item.pk)


@dataclass
class MissedWeek:
    """A week of a weekly series that is not free, and the time offered instead (if any)."""

    label: str
    wanted: dt.datetime
    alternative_label: str = ""
    alternative_url: str = ""


def parse_picks(value: str, items: dict[int, OrderItem]) -> list[Pick]:
    """The picks of ?picks= that name an item of this order and a well-formed time; junk is dropped."""
    picks: list[Pick] = []
    for part in (value or "").split(",")[:MAX_SESSIONS_PER_SET]:
        item_id, _, start_text = part.partition("@")
        item = items.get(int(item_id)) if item_id.isascii() and item_id.isdigit() and len(item_id) < 12 else None
        start = parse_slot_start(start_text)
        if item is not None and start is not None and all(p.value != f"{item.pk}@{start_text}" for p in picks):
            picks.append(Pick(item=item, start=start))
    return picks


class SessionsPage:
    """The state of one request: the order, its schedulable items, the picks, the viewer's zone."""

    def __init__(self, request: HttpRequest, order: PackageOrder):
        self.request = request
        self.order = order
        self.items = [item for item in with_item_progress(order) if item.can_schedule]
        self.items_by_id = {item.pk: item for item in self.items}
        source = request.POST if request.method == "POST" else request.GET
        self.picks = parse_picks(source.get(PICKS_PARAM, ""), self.items_by_id)
        self.viewer_tz = viewer_timezone(request, order.client_timezone)
        self.clock = viewer_clock(request)
        self.now = timezone.now()
        item_id = request.GET.get("item", "")
        self.item = (self.items_by_id.get(int(item_id)) if item_id.isascii() and item_id.isdigit() and len(item_id) < 12
                     else None)
        self.item = self.item or next((item for item in self.items if self.room(item) > 0), None) or \
            (self.items[0] if self.items else None)

    # --- rules -----------------------------------------------------------------------------------

    def room(self, item: OrderItem) -> int:
        """How many more sessions of `item` may still be chosen (its credits left minus picks)."""
        return item.remaining - sum(1 for pick in self.picks if pick.item.pk == item.pk)

    def step(self, item: OrderItem) -> TimeStep:
        """The booking step of `item` with the picks so far: its picker and its check."""
        return TimeStep(
            self.request, meeting_type=item.meeting_type, default_tz=self.order.client_timezone,
            wording=StepWording(), now=self.now, duration=item.duration,  # the page's heading names the item
            chosen=tuple(pick.as_chosen(item) for pick in self.picks),
            picker_params={"item": item.pk, PICKS_PARAM: self.picks_value()},
        )

    def refusal(self, item: OrderItem, start: dt.datetime | None, free: bool | None = None) -> str:
        """Why `start` cannot join the picks ("" when it can): no credit left to choose, else the
        booking step's check (TimeStep.refusal); `free` when the caller already asked the slot engine."""
        if self.room(item) <= 0:
            return FULL
        return self.step(item).refusal(start, offered=free)

    def add(self, item: OrderItem, start: dt.datetime, free: bool | None = None) -> str:
        error = self.refusal(item, start, free)
        if not error:
            self.picks.append(Pick(item=item, start=start))
        return error

    # --- urls ------------------------------------------------------------------------------------

    def picks_value(self, picks: list[Pick] | None = None) -> str:
        return ",".join(pick.value for pick in sorted(picks if picks is not None else self.picks,
                                                      key=lambda pick: pick.start))

    def url(self, picks: list[Pick] | None = None, **extra) -> str:
        params = {"item": self.item.pk if self.item else "", PICKS_PARAM: self.picks_value(picks),
                  "tz": self.viewer_tz, **extra}
        return f"{self.request.path}?{urlencode({k: v for k, v in params.items() if v not in ('', None)})}"

    # --- weekly series ---------------------------------------------------------------------------

    def repeat_weekly(self, pick: Pick, weeks: int) -> list[MissedWeek]:
        """Add the same weekday and local time for the `weeks - 1` following weeks; return the
        weeks that are not free, each with the nearest free time of that week offered instead."""
        tz = ZoneInfo(self.viewer_tz)
        local = pick.start.astimezone(tz)
        wanted_weeks = [((local.replace(tzinfo=None) + dt.timedelta(weeks=week)).replace(tzinfo=tz)).astimezone(dt.UTC)
                        for week in range(1, weeks)]
        free = bookable_starts(meeting_type=pick.item.meeting_type, starts=wanted_weeks, now=self.now,
                               duration=pick.item.duration)
        missed: list[MissedWeek] = []
        for wanted in wanted_weeks:
            if not self.add(pick.item, wanted, free=wanted in free):
                continue
            missed.append(MissedWeek(label=datetime_label(wanted, self.viewer_tz, self.clock), wanted=wanted))
        # Alternatives once the whole series is in, so each link keeps every week that was free.
        for missed_week in missed:
            alternative = self.alternative(pick.item, missed_week.wanted)
            if alternative is not None:
                missed_week.alternative_label = datetime_label(alternative, self.viewer_tz, self.clock)
                missed_week.alternative_url = self.url([*self.picks, Pick(item=pick.item, start=alternative)])
        return missed

    def alternative(self, item: OrderItem, wanted: dt.datetime) -> dt.datetime | None:
        """The free time of `item` nearest to `wanted` within three days either side that overlaps
        no other pick (one batch of slot-engine queries)."""
        slots = available_slots(meeting_type=item.meeting_type,
                                range_start=max(wanted - dt.timedelta(days=3), self.now),
                                range_end=wanted + dt.timedelta(days=4), now=self.now, duration=item.duration)
        free = [slot.start for slot in slots if overlapping_chosen(slot.start, slot.end, self.picks) is None]
        return min(free, key=lambda start: abs(start - wanted)) if free else None

    # --- the page --------------------------------------------------------------------------------

    def review(self, failed: SessionChoice | None = None) -> None:
        """Label every pick, check it is still free (the slot engine), and give it a remove link."""
        self.picks.sort(key=lambda pick: pick.start)
        free: set[tuple[int, dt.datetime]] = set()
        for item in {pick.item.pk: pick.item for pick in self.picks}.values():  # one batch per item
            starts = bookable_starts(meeting_type=item.meeting_type, now=self.now, duration=item.duration,
                                     starts=[pick.start for pick in self.picks if pick.item.pk == item.pk])
            free |= {(item.pk, start) for start in starts}
        for pick in self.picks:
            pick.label = datetime_label(pick.start, self.viewer_tz, self.clock)
            pick.free = (pick.item.pk, pick.start) in free
            if failed is not None and failed.item.pk == pick.item.pk and failed.start == pick.start:
                pick.free = False
            pick.remove_url = self.url([other for other in self.picks if other is not pick])

    def picker(self):
        return self.step(self.item).picker() if self.item is not None else None

    def phone_form(self, data=None) -> ClientPhoneForm:
        """The confirm form: the client's number when a chosen session needs one the order lacks."""
        return ClientPhoneForm(data, requires_mobile=any(client_phone_needed(pick.item) for pick in self.picks),
                               zone=self.order.client_timezone)

    def render(self, *, error: str = "", repeat_error: str = "", missed: list[MissedWeek] | None = None,
               failed: SessionChoice | None = None, status: int = 200, form: ClientPhoneForm | None = None,
               ) -> HttpResponse:
        self.review(failed)
        for item in self.items:
            item.room = self.room(item)
            item.select_url = self.url(item="") + f"&item={item.pk}"
        context = {
            "order": self.order, "items": self.items, "current": self.item, "picks": self.picks,
            "picks_value": self.picks_value(), "picker": self.picker(), "viewer_tz": self.viewer_tz,
            "error": error, "repeat_error": repeat_error, "missed": missed or [],
            "repeatable": [pick for pick in self.picks if self.room(pick.item) > 0],
            "max_weeks": {pick.value: self.room(pick.item) + 1 for pick in self.picks},
            "page_url": self.url(), "phone_form": form or self.phone_form(),
        }
        return render(self.request, "orders/order_sessions.html", context, status=status)


@require_http_methods(["GET", "POST"])
@throttle_post("public_booking")
def order_sessions(request: HttpRequest, token: str) -> HttpResponse:
    order = order_for_token_or_404(token)
    details_url = order_details_url(order)
    refusal = order_booking_refusal(order, now=timezone.now())
    if refusal is not None:
        messages.error(request, refusal.message)
        return redirect(details_url)
    page = SessionsPage(request, order)
    if not page.items:
        messages.error(request, _("No sessions left to book on this order."))
        return redirect(details_url)
    if request.method == "POST":
        return _confirm(request, page, details_url)
    if request.GET.get(FRAGMENT_PARAM) == PICKER_FRAGMENT and page.item is not None:
        return remember_viewer_choices(request, HttpResponse(page.step(page.item).picker_fragment()))
    error, repeat_error, missed = "", "", []
    if "start" in request.GET and page.item is not None:
        error = page.add(page.item, parse_slot_start(request.GET.get("start")))
        if not error:  # the address now holds the picks: a reload or "back" shows the same list
            return redirect(page.url(date=request.GET.get("date", "")[:10]) + "#chosen")
    elif "repeat" in request.GET:
        repeat_error, missed = _repeat(page)
    return remember_viewer_choices(request, page.render(error=error, repeat_error=repeat_error, missed=missed))


def _repeat(page: SessionsPage) -> tuple[str, list[MissedWeek]]:
    get = page.request.GET
    pick = next((pick for pick in page.picks if pick.value == get.get("repeat")), None)
    if pick is None:
        return _("Choose a time to repeat first."), []
    most = page.room(pick.item) + 1
    weeks_text = (get.get("weeks") or "").strip()
    if not (weeks_text.isascii() and weeks_text.isdigit()) or not 2 <= int(weeks_text) <= most:
        if most < 2:
            return _("No sessions are left for this item to repeat it."), []
        if most == 2:  # no range to choose from: say what the one choice is
            return _("Only one more session is left for this item: enter 2 (this week and the next)."), []
        return _("Enter a number of weeks from 2 to %(most)s (the sessions left for this item).") % {"most": most}, []
    return "", page.repeat_weekly(pick, int(weeks_text))


def _confirm(request: HttpRequest, page: SessionsPage, details_url: str) -> HttpResponse:
    form = page.phone_form(request.POST)
    if not form.is_valid():
        return page.render(form=form, status=400)
    choices = [SessionChoice(item=pick.item, start=pick.start) for pick in page.picks]
    try:
        bookings = order_sessions_book(order=page.order, choices=choices, now=page.now, client_timezone=page.viewer_tz,
                                       client_phone=form.cleaned_data.get("client_phone", ""))
    except SessionSetRefused as refused:
        if refused.choice is None:
            return page.render(error=refused.message, status=400)
        # The refusal's own message says what to do (the list marks the time, with "Remove").
        when = datetime_label(refused.choice.start, page.viewer_tz, page.clock)
        error = _("Nothing was booked. %(name)s on %(when)s: %(reason)s") % {
            "name": refused.choice.item.meeting_type_name, "when": when, "reason": refused.message}
        return page.render(error=error, failed=refused.choice, status=409)
    messages.success(request, ngettext("Booked %(count)s session.", "Booked %(count)s sessions.", len(bookings))
                     % {"count": len(bookings)})
    return redirect(f"{details_url}?{'&'.join(f'booked={booking.pk}' for booking in bookings)}#just-booked")
